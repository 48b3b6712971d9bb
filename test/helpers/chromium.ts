// Headless Chromium for the HTML reports: what a user would see, and what the page logged.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

/** Loads a page in headless Chromium, returns its CONSOLE lines and the screenshot. */
export async function loadInChromium(file: string, screenshot: string): Promise<{ console: string[]; png: PNG }> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--enable-logging=stderr', '--v=0', `--screenshot=${screenshot}`, '--window-size=1280,2600', `file://${file}`];
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
