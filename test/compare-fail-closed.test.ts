// A gate that passes what it cannot read is worse than none: compare (and report) stop with exit 2
// and one line naming the file, the line and the field when a line does not fit the contract, and
// compare does when the gated figure has no data on one side, unless --allow-missing says so.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunRecord } from '../src/bench/matrix/run-one';
import { runCommand } from '../src/bench/run-command';
import { BIN, tempDir } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl');
const PAIR = ['--baseline', 'claude@2.1.112', '--candidate', 'qwen@0.15.10'];

type Line = Record<string, any>;

/** The fixture with every qwen line changed; returns the file and the 1-based number of the first changed line. */
function variant(name: string, change: (line: Line) => void): { file: string; first: number } {
  const lines = readFileSync(FIXTURE, 'utf8')
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as Line);
  const first = lines.findIndex((l) => l.bench.target === 'qwen@0.15.10') + 1;
  for (const line of lines) if (line.bench.target === 'qwen@0.15.10') change(line);
  const file = path.join(tempDir('fail-closed'), `${name}.jsonl`);
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return { file, first };
}

const qwen = (...args: string[]) => runCommand(BIN, args, { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });

function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr.trim()).toMatch(message);
  expect(result.stdout).toBe('');
}

describe('compare fails closed', () => {
  it('stops at a figure of the wrong type, naming the file, the line and the field (it used to print "no data", then "No regression", exit 0)', async () => {
    const { file, first } = variant(
      'wrong-type',
      (l) => (l.record.tree.rss_peak_bytes = `${Math.round(l.record.tree.rss_peak_bytes / 2 ** 20)} MiB`),
    );
    expectOneLine(
      await qwen('compare', file, ...PAIR),
      new RegExp(`wrong-type\\.jsonl:${first}: record\\.tree\\.rss_peak_bytes: expected number, got string$`),
    );
    expectOneLine(
      await qwen('report', file),
      new RegExp(`wrong-type\\.jsonl:${first}: record\\.tree\\.rss_peak_bytes: expected number, got string$`),
    );
  });

  it('stops at a bench line whose identity is broken', async () => {
    const { file, first } = variant('bad-repeat', (l) => (l.bench.repeat = String(l.bench.repeat)));
    expectOneLine(
      await qwen('compare', file, ...PAIR),
      new RegExp(`bad-repeat\\.jsonl:${first}: bench\\.repeat: expected number, got string$`),
    );
  });

  it('stops when the gated figure has no data on one side, and --allow-missing opts out', async () => {
    const { file } = variant('no-record', (l) => (l.record = null));
    expectOneLine(
      await qwen('compare', file, ...PAIR),
      /no data for tree_rss_peak on workload two-tool: the candidate qwen@0\.15\.10 \(.*no-record\.jsonl\): none of its 3 runs has a run record .*--allow-missing/,
    );
    const allowed = await qwen('compare', file, ...PAIR, '--allow-missing');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/tree_rss_peak .*no data/);
  });

  it('stops when a figure the records predate is gated (older records without the largest request by part)', async () => {
    const { file } = variant('old-records', (l) => delete l.record.peak_request);
    expectOneLine(
      await qwen('compare', file, ...PAIR, '--figure', 'request_system_bytes'),
      /no data for request_system_bytes on workload two-tool: the candidate qwen@0\.15\.10 .*none of its 3 runs carries it/,
    );
    const plain = await qwen('compare', file, ...PAIR);
    expect(plain.code, plain.stderr).toBe(1);
  });
});

describe("the bench's own reading of a run record", () => {
  it('refuses a record that does not fit the contract, naming the field', () => {
    const dir = tempDir('run-record');
    const record = JSON.parse(readFileSync(FIXTURE, 'utf8').split('\n')[0]).record;
    const good = path.join(dir, 'good.jsonl');
    writeFileSync(good, `${JSON.stringify(record)}\n`);
    expect(readRunRecord(good)).toEqual({ record, unreadable: null });
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify({ ...record, diagnosis: { ...record.diagnosis, buckets_bytes: null } })}\n`);
    expect(readRunRecord(bad)).toEqual({
      record: null,
      unreadable: 'run record unreadable: diagnosis.buckets_bytes: expected object, got null',
    });
    writeFileSync(bad, '{"schema":"qwen-otel.run/1","run_id":');
    expect(readRunRecord(bad).unreadable).toBe('run record unreadable: not a JSON line');
    expect(readRunRecord(path.join(dir, 'none.jsonl'))).toEqual({ record: null, unreadable: null });
  });
});
