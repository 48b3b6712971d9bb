// Hostile or broken files in a session directory, under a real `qwen-otel run`: the record is
// still written, what was refused is counted in it and named in one line on stderr, the exit code
// stays the CLI's, and the session directory goes. (The collector's RSS under each case is
// measured by `npm run bench:hostile`, not here.)
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HostileCase, writeHostileScript } from '../src/bench/hostile/cases';
import { readRecords, runWrapped, sandbox, until } from './helpers/e2e';

async function runHostile(hostile: HostileCase, size?: number): Promise<{ record: Record<string, any>; lines: string[] }> {
  const box = sandbox(`hostile-${hostile}`);
  const script = writeHostileScript(box.dir);
  const result = await runWrapped([process.execPath, script, hostile, ...(size ? [String(size)] : [])], box.env, 120_000);
  expect(result.code).toBe(0);
  const records = readRecords(box.recordFile);
  expect(records).toHaveLength(1);
  const sessions = path.join(box.dir, '.qwen-otel', 'run', 'sessions');
  expect(await until(() => !existsSync(sessions) || readdirSync(sessions).length === 0, 30_000)).toBe(true);
  return { record: records[0] as Record<string, any>, lines: result.stderr.split('\n').filter((l) => l.startsWith('qwen-otel:')) };
}

const counters = (record: Record<string, any>): Record<string, unknown> => ({
  dropped_lines: record.dropped_lines,
  dropped_long_lines: record.dropped_long_lines,
  dropped_files: record.dropped_files,
  dropped_processes: record.dropped_processes,
  unread_bytes: record.unread_bytes,
});

describe('hostile input in the session directory', () => {
  it('a line {"k":"hello"} is counted and skipped: the record is written', async () => {
    const { record, lines } = await runHostile('bad-line');
    expect(record).toMatchObject({ complete: true, exit: { code: 0 } });
    expect(counters(record)).toEqual({ dropped_lines: 1, dropped_long_lines: 0, dropped_files: 0, dropped_processes: 0, unread_bytes: 0 });
    expect(lines).toEqual([`qwen-otel: run ${record.run_id}: skipped in the agents' input: 1 invalid line; counted in the record`]);
  });

  it('a figure of the wrong type ("big") or out of range (1e300) is refused, never taken as a peak', async () => {
    for (const hostile of ['wrong-type', 'out-of-range'] as const) {
      const { record } = await runHostile(hostile);
      expect(record.dropped_lines).toBe(1);
      // The fake process said hello (a valid line), its sample was refused: its peak is its own 0, not 1e300 nor null.
      const fake = record.processes.find((p: { pid: number }) => p.pid === 4100001);
      expect(fake).toMatchObject({ instrumented: true, heap_used_peak_bytes: 0 });
      expect(record.tree.rss_peak_bytes).toBeLessThan(2 ** 40);
      expect(record.tree.hwm_max_bytes).toBeLessThan(2 ** 40);
    }
  });

  it('a line far over 64 KiB without a newline is read past and counted once', async () => {
    const { record, lines } = await runHostile('huge-line', 32);
    expect(record).toMatchObject({ complete: true, dropped_long_lines: 1, dropped_lines: 0, unread_bytes: 0 });
    expect(lines).toEqual([
      `qwen-otel: run ${record.run_id}: skipped in the agents' input: 1 line too long to hold (over 64 KiB, or past the 1 MiB of unfinished lines a session holds); counted in the record`,
    ]);
  });

  it("5,000 files: 1,024 followed (the real agent's among them), the rest counted, no more than 1,024 processes", async () => {
    const { record, lines } = await runHostile('files', 5000);
    expect(record.dropped_files).toBe(5000 + 1 - 1024);
    expect(record.processes.length + record.processes_not_listed).toBeLessThanOrEqual(1024);
    expect(record.root).toMatchObject({ instrumented: true });
    expect(lines).toEqual([
      `qwen-otel: run ${record.run_id}: skipped in the agents' input: 3,977 channel files past 1,024; counted in the record`,
    ]);
  });
});
