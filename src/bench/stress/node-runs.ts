// One round of the stress benchmark: N `qwen-otel run` at once, each of a Node script that holds
// 30-120 MiB for 3 s and prints, at exit, its own kernel high-water mark and the time it ended.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../run-command';

export interface StressRun {
  workload: string;
  holdMiB: number;
  code: number | null;
  stderr: string;
  /** The script's own VmHWM at exit (bytes) and when its exit handler ran (ms since the epoch). */
  hwm: number | null;
  cliEnd: number | null;
  /** When the wrapper's command returned. */
  returned: number;
}

const HOLDER = `
const fs = require('fs');
const keep = Buffer.alloc(Number(process.argv[2]) * 1024 * 1024, 1);
setTimeout(() => {
  process.on('exit', () => {
    const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    fs.writeSync(1, JSON.stringify({ hwm, end: Date.now(), held: keep.length }) + '\\n');
  });
}, 3000);
`;

export function writeHolder(dir: string): string {
  const file = path.join(dir, 'holder.js');
  writeFileSync(file, HOLDER);
  return file;
}

/** Deterministic sizes across 30-120 MiB, so every round holds the same mix. */
export function holdMiB(i: number): number {
  return 30 + ((i * 37) % 91);
}

/** `bin` null: the same runs without qwen-otel (the control: what a loaded machine costs anyway). */
export async function runRound(
  bin: string | null,
  holder: string,
  env: NodeJS.ProcessEnv,
  round: number,
  count: number,
): Promise<StressRun[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i): Promise<StressRun> => {
      const workload = `stress-r${round}-${i}`;
      const mib = holdMiB(i);
      const cli = [process.execPath, holder, String(mib)];
      const [command, args] = bin ? [bin, ['run', '--workload', workload, '--', ...cli]] : [cli[0], cli.slice(1)];
      const result = await runCommand(command, args, { env, timeoutMs: 120_000 });
      const returned = Date.now();
      let said: { hwm?: number; end?: number } = {};
      try {
        said = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as typeof said;
      } catch {
        // The script did not finish: counted as a run without figures.
      }
      return {
        workload,
        holdMiB: mib,
        code: result.code,
        stderr: result.stderr,
        hwm: said.hwm ?? null,
        cliEnd: said.end ?? null,
        returned,
      };
    }),
  );
}
