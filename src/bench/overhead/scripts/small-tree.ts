// Benchmark helper: a tree of N small Node children started at once (as a CLI starts its MCP
// servers); prints each child's VmHWM (KiB) and CPU (ms) as the child reported them.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const count = Number(process.argv[2] ?? 20);
const children = Array.from(
  { length: count },
  () =>
    new Promise<{ hwmKiB: number; cpuMs: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(__dirname, 'small-child.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.on('close', () => {
        try {
          resolve(JSON.parse(out));
        } catch {
          reject(new Error(`a child printed ${JSON.stringify(out.slice(0, 100))}`));
        }
      });
    }),
);
Promise.all(children).then(
  (figures) => {
    process.stdout.write(`${JSON.stringify({ hwmKiB: figures.map((f) => f.hwmKiB), cpuMs: figures.map((f) => f.cpuMs) })}\n`);
  },
  (error: Error) => {
    process.stderr.write(`small-tree: ${error.message}\n`);
    process.exitCode = 1;
  },
);
