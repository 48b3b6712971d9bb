// Real Qwen Code 0.15.10 under load: one plain run for reference, then N `qwen-otel run` at once
// beside CPU hogs; each must keep Qwen's output and exit code, and leave its record.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import { startCpuHogs } from '../backends';
import { startModelServer } from '../model-server/server';
import { runCommand } from '../run-command';
import { installCli } from '../targets/install';
import { normalizeQwenOutput, qwenInvocation } from '../targets/qwen';

const QWEN = '@qwen-code/qwen-code@0.15.10';
const PROMPT = 'Run the two echo commands, then say Done.';

export interface QwenStress {
  runs: number;
  sameOutput: number;
  sameExitCode: number;
  records: number;
}

export async function stressQwen(
  bin: string,
  root: string,
  baseEnv: NodeJS.ProcessEnv,
  count: number,
  hogCount: number,
  recordsOf: (workload: string) => number,
): Promise<QwenStress> {
  const qwen = (await installCli(QWEN)).binPath('qwen');
  const plain = await runQwen(qwen, root, 'plain', {}, null);
  const hogs = startCpuHogs(hogCount);
  try {
    const wrapped = await Promise.all(Array.from({ length: count }, (_, i) => runQwen(qwen, root, `qwen-${i}`, baseEnv, bin)));
    return {
      runs: count,
      sameOutput: wrapped.filter((w) => w.output === plain.output).length,
      sameExitCode: wrapped.filter((w) => w.code === plain.code).length,
      records: wrapped.filter((w) => recordsOf(w.workload) === 1).length,
    };
  } finally {
    hogs.stop();
  }
}

async function runQwen(
  qwen: string,
  root: string,
  name: string,
  extraEnv: NodeJS.ProcessEnv,
  bin: string | null,
): Promise<{ workload: string; code: number | null; output: string }> {
  const server = await startModelServer();
  const dir = mkdtempSync(path.join(root, `${name}-`));
  const [home, cwd] = ['home', 'work'].map((d) => path.join(dir, d));
  mkdirSync(home);
  mkdirSync(cwd);
  try {
    const inv = qwenInvocation({ baseUrl: server.url, prompt: PROMPT, home });
    const workload = `stress-${name}`;
    const [command, args] = bin ? [bin, ['run', '--workload', workload, '--', qwen, ...inv.args]] : [qwen, inv.args];
    const result = await runCommand(command, args, { env: { ...inv.env, ...extraEnv }, cwd, timeoutMs: 300_000 });
    return { workload, code: result.code, output: JSON.stringify(normalizeQwenOutput(parseJson(result.stdout))) };
  } finally {
    await server.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
