// Runs `qwen-otel bench` as a user would (node dist/cli.js bench ...), watching its stderr, and
// reads the results file it appends to.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from '../../src/contracts/bench-result';
import { REPO } from './e2e';

export interface BenchProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runBench(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onStderr: (text: string) => void = () => {},
  cwd?: string,
): Promise<BenchProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'bench', ...args], {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      onStderr(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function readResults(dir: string): BenchResult[] {
  return readFileSync(path.join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as BenchResult);
}
