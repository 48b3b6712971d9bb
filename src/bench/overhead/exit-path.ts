// What `qwen-otel run` adds to a command that does nothing (`node -e 0`), start to exit: with no
// collector running (the run starts one: cold) and beside a running shared collector (warm),
// alternated with plain runs round by round and paired. The exit waits for the record up to the
// bound (QWEN_OTEL_EXIT_TIMEOUT_MS, 500 ms): a run whose record came later says so in one line,
// counted here as late. A warm collector once adopted such a run only at its 1 s rescan: every
// warm run took ~680 ms and was late.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pairedDifferences } from '../results/stats';
import { runCommand } from '../run-command';
import { spreadText, table } from './report';
import { quietEnv, WRAPPER } from './wrapped';

const LATE = /record is not written yet/;
type Variant = 'plain' | 'cold' | 'warm';

export async function measureExitPath(rounds: number, progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const warmState = mkdtempSync(path.join(tmpdir(), 'qo-exit-warm-'));
  const walls: Record<Variant, number[]> = { plain: [], cold: [], warm: [] };
  const late: Record<Variant, number> = { plain: 0, cold: 0, warm: 0 };
  const once = async (variant: Variant): Promise<void> => {
    const coldState = variant === 'cold' ? mkdtempSync(path.join(tmpdir(), 'qo-exit-cold-')) : null;
    const env = quietEnv({ QWEN_OTEL_STATE_DIR: coldState ?? warmState });
    const node = [process.execPath, '-e', '0'];
    const [command, args] = variant === 'plain' ? [process.execPath, node.slice(1)] : [WRAPPER, ['run', '--', ...node]];
    const result = await runCommand(command, args, { env, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`node -e 0 (${variant}) exited ${result.code}: ${result.stderr.trim().slice(-300)}`);
    walls[variant].push(result.wallMs);
    if (LATE.test(result.stderr)) late[variant] += 1;
    if (coldState) rmSync(coldState, { recursive: true, force: true });
  };
  try {
    await once('warm'); // starts the shared collector the warm runs find
    for (let round = 1; round <= rounds; round += 1) {
      progress(`exit path: round ${round}/${rounds}`);
      const order: Variant[] = round % 2 === 0 ? ['warm', 'cold', 'plain'] : ['plain', 'cold', 'warm'];
      for (const variant of order) await once(variant);
    }
  } finally {
    rmSync(warmState, { recursive: true, force: true });
  }
  const row = (variant: Exclude<Variant, 'plain'>, what: string): string[] => [
    what,
    spreadText(walls[variant], 0),
    spreadText(pairedDifferences(walls.plain, walls[variant]), 0),
    `${late[variant]}/${rounds}`,
  ];
  const markdown = [
    `## The exit path: \`node -e 0\`, plain and under \`qwen-otel run\`, ${rounds} rounds alternated (median, IQR)`,
    '',
    table(
      ['run', 'wall ms', 'added vs plain, paired (ms)', 'record later than the 500 ms bound'],
      [
        ['plain', spreadText(walls.plain, 0), '', ''],
        row('cold', 'qwen-otel run, no collector running (it starts one)'),
        row('warm', 'qwen-otel run beside a running shared collector'),
      ],
    ),
  ].join('\n');
  return { data: { walls, late, rounds }, markdown };
}
