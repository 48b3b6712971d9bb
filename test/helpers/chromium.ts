// Headless Chromium for the HTML reports: what a user would see, and what the page logged.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

/** Loads a page in headless Chromium, returns its CONSOLE lines and the screenshot. */
export async function loadInChromium(file: string, screenshot: string): Promise<{ console: string[]; png: PNG }> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--enable-logging=stderr',
    '--v=0',
    `--screenshot=${screenshot}`,
    '--window-size=1280,2600',
    `file://${file}`,
  ];
  const { stderr } = await promisify(execFile)('chromium', args, { timeout: 60_000 });
  return { console: stderr.split('\n').filter((line) => line.includes(':CONSOLE')), png: PNG.sync.read(readFileSync(screenshot)) };
}

export function countPixels(png: PNG, matches: (r: number, g: number, b: number) => boolean): number {
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4) if (matches(png.data[i], png.data[i + 1], png.data[i + 2])) count += 1;
  return count;
}

/** The share of the screenshot that is not (near-)white background. */
export function drawnShare(png: PNG): number {
  return countPixels(png, (r, g, b) => !(r > 240 && g > 240 && b > 240)) / (png.width * png.height);
}

/**
 * Lays a page out in headless Chromium at the given window size and returns what `expression`
 * (JavaScript, evaluated after the page's own scripts) measured, as JSON.
 */
export async function measureInChromium(file: string, expression: string, width = 1280, height = 2600): Promise<unknown> {
  const measured = `${file}.measured.html`;
  const probe = `<script>document.title = JSON.stringify(${expression});</script>`;
  writeFileSync(measured, readFileSync(file, 'utf8').replace('</body></html>', `${probe}</body></html>`));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    `--window-size=${width},${height}`,
    '--dump-dom',
    `file://${measured}`,
  ];
  const { stdout } = await promisify(execFile)('chromium', args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  const title = /<title>(.*?)<\/title>/s.exec(stdout)?.[1] ?? 'null';
  return JSON.parse(title.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
}
