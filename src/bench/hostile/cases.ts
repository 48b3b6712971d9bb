// Hostile or broken input in a session directory, written by the run's own CLI (a Node script):
// what the collector must survive with its record written, the input counted, its RSS bounded.
// Shared by `npm run bench:hostile` and test/hostile-input.e2e.test.ts.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const HOSTILE_CASES = ['clean', 'bad-line', 'wrong-type', 'out-of-range', 'huge-line', 'files', 'flood'] as const;
export type HostileCase = (typeof HOSTILE_CASES)[number];

/**
 * `node hostile.js CASE [SIZE]`: SIZE is MB for huge-line (default 300), files for files (default
 * 5,000), lines for flood (default 200,000). Writes under pids from 4,100,001 (under Linux's
 * largest pid_max, 2^22, so valid in a line, yet far above any pid a machine hands out in practice),
 * then lives 1.5 s more so the collector reads while the run is live.
 */
const SCRIPT = `
const fs = require('fs'), path = require('path');
const dir = process.env.QWEN_OTEL_SESSION_DIR;
const [which, size] = [process.argv[2], Number(process.argv[3] || 0)];
const fake = (pid) => path.join(dir, 'p' + pid + '.0.jsonl');
const now = Date.now();
const sample = (rss) => JSON.stringify({ k: 'sample', t: now, costUs: 1, loop: null, gc: [],
  mem: { rss, hwm: 1e7, heapTotal: 1e6, heapUsed: 1e6, external: 0, arrayBuffers: 0 },
  heap: { used: 1e6, total: 1e6, limit: 1e9, malloced: 0, oldUsed: 1e5, oldLimit: 1e9, spaces: [] } }) + '\\n';
const hello = (pid) => JSON.stringify({ k: 'hello', pid, ppid: process.pid, t: now, origin: now, role: null, sessionRoot: false, runtime: 'node', cli: null, startUs: null }) + '\\n';
if (which === 'bad-line') fs.writeFileSync(fake(4100001), '{"k":"hello"}\\n');
if (which === 'wrong-type') fs.writeFileSync(fake(4100001), hello(4100001) + sample('big'));
if (which === 'out-of-range') fs.writeFileSync(fake(4100001), hello(4100001) + sample(0).replace('"rss":0', '"rss":1e300'));
if (which === 'huge-line') {
  const fd = fs.openSync(fake(4100001), 'a');
  const mb = Buffer.alloc(1 << 20, 97);
  for (let i = 0; i < (size || 300); i++) fs.writeSync(fd, mb);
  fs.closeSync(fd);
}
if (which === 'files') for (let i = 0; i < (size || 5000); i++) fs.writeFileSync(fake(4100001 + i), hello(4100001 + i));
if (which === 'flood') fs.writeFileSync(fake(4100001), hello(4100001) + sample(1e7).repeat(size || 200000));
setTimeout(() => {}, 1500);
`;

export function writeHostileScript(dir: string): string {
  const file = path.join(dir, 'hostile.js');
  writeFileSync(file, SCRIPT);
  return file;
}
