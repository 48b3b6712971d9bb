// A test CLI for the heap profiler, built with the real bundler (esbuild): its own package, a
// dependency `heavy-pkg` in node_modules that retains the heap, and a monorepo-style
// `packages/core` module. Bundled without minifying, esbuild writes a region comment per module;
// minified with a source map, only the map tells them apart.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/** Planted in the heap by the fixture: must never appear in a record. */
export const PLANTED = 'planted-secret-7f3a91c';

export function writeHeapFixture(root: string, retainMiB: number): { src: string; dist: string } {
  const src = path.join(root, 'src-cli');
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    writeFileSync(path.join(src, rel), text);
  };
  write('package.json', JSON.stringify({ name: 'fixture-cli', version: '1.0.0' }));
  write('node_modules/heavy-pkg/package.json', JSON.stringify({ name: 'heavy-pkg', version: '1.0.0', main: 'index.js' }));
  // Small objects, so the heap (not external memory) holds them; a string with the planted text.
  write(
    'node_modules/heavy-pkg/index.js',
    `
exports.fillHeavy = function fillHeavy(mib) {
  const keep = [];
  for (let i = 0; i < mib * 1024 * 1024 / 32; i += 1) keep.push({ n: i, m: i + 1 });
  keep.push('${PLANTED}-' + Date.now());
  return keep;
};
`,
  );
  write(
    'packages/core/src/light.js',
    `
exports.fillLight = function fillLight() { const small = []; for (let i = 0; i < 20000; i += 1) small.push([i]); return small; };
`,
  );
  write(
    'main.js',
    `
const { fillHeavy } = require('heavy-pkg');
const { fillLight } = require('./packages/core/src/light.js');
globalThis.kept = [fillLight()];
let rounds = 0;
const timer = setInterval(() => {
  globalThis.kept.push(fillHeavy(${retainMiB / 8}));
  if (++rounds === 8) { clearInterval(timer); setTimeout(() => console.log('fixture done'), 1500); }
}, 120);
`,
  );
  const dist = path.join(root, 'cli');
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(dist, 'package.json'), JSON.stringify({ name: 'fixture-cli', version: '1.0.0' }));
  const common = {
    entryPoints: [path.join(src, 'main.js')],
    bundle: true,
    platform: 'node' as const,
    target: 'node20',
    absWorkingDir: src,
    logLevel: 'silent' as const,
  };
  buildSync({ ...common, outfile: path.join(dist, 'regions.js') });
  buildSync({ ...common, outfile: path.join(dist, 'mapped.js'), minify: true, sourcemap: true });
  return { src, dist };
}
