// What lands in a session directory is not trusted: lines are checked against the protocol's
// schema, a line is at most 64 KiB, the files followed and the descriptors held are bounded, and
// everything refused is counted.
import { appendFileSync, openSync, readdirSync, writeSync, closeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SampleMessage } from '../src/channel/protocol';
import { ChannelReader, MAX_LINE_BYTES, MAX_PARTIAL_BYTES } from '../src/channel/reader';
import { checkMessage, parseMessage } from '../src/channel/schema';
import { MAX_FILES, MAX_OPEN_FILES } from '../src/channel/segments';
import { segmentPath } from '../src/channel/writer';
import { MAX_PROCESSES_FROM_LINES } from '../src/session/line-processes';
import { createLinuxProcReader } from '../src/session/proc-reader';
import { Session } from '../src/session/session';
import { parseCheckpoint } from '../src/session/checkpoint';
import { tempDir } from './helpers/e2e';

const sample = (t: number): SampleMessage => ({
  k: 'sample',
  t,
  costUs: 12,
  mem: { rss: 50e6, hwm: 60e6, heapTotal: 9e6, heapUsed: 7e6, external: 1e6, arrayBuffers: 1e4 },
  heap: {
    used: 7e6,
    total: 9e6,
    limit: 4e9,
    malloced: 1e5,
    oldUsed: 5e6,
    oldLimit: 4e9,
    spaces: [{ name: 'old_space', size: 6e6, used: 5e6, available: 1e9, physical: 6e6 }],
  },
  loop: { mean: 10.2, p99: 11, max: 12, utilization: 0.3 },
  gc: [['minor', 0.4]],
});
const line = (value: unknown): string => `${JSON.stringify(value)}\n`;
const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe('hostile channel input', () => {
  it('skips and counts a message missing its fields, of an unknown kind, or not JSON, and reads on', () => {
    const dir = tempDir('hostile-lines');
    const reader = new ChannelReader(dir);
    appendFileSync(segmentPath(dir, 9, 0), `{"k":"hello"}\n{"k":"nope"}\nnot json\n[]\n${line(sample(1))}`);
    expect(reader.poll()).toEqual([{ pid: 9, messages: [sample(1)] }]);
    expect(reader.drops.lines).toBe(4);
  });

  it('refuses a figure of the wrong type, not finite, or out of range', () => {
    const good = sample(1);
    expect(checkMessage(good)).toEqual(good);
    expect(checkMessage({ ...good, mem: { ...good.mem, rss: 'big' } })).toBeNull();
    expect(parseMessage(line({ ...good, mem: { ...good.mem, rss: 0 } }).replace('"rss":0', '"rss":1e300'))).toBeNull();
    expect(checkMessage({ ...good, mem: { ...good.mem, rss: -1 } })).toBeNull();
    expect(checkMessage({ ...good, mem: { ...good.mem, rss: Number.NaN } })).toBeNull();
    expect(checkMessage({ ...good, loop: { ...good.loop, utilization: 3 } })).toBeNull();
    expect(checkMessage({ k: 'hook', event: 'x', t: 1, ppid: 1.5 })).toBeNull();
    expect(checkMessage({ k: 'account', kind: 'tokens', t: 1, values: { input: '5' } })).toBeNull();
    expect(checkMessage({ k: 'account', kind: 'response', t: 1, values: {} })).toBeNull();
    // A field the schema does not know (a newer agent) is dropped, the message kept.
    expect(checkMessage({ k: 'account', kind: 'tokens', t: 1, values: { input: 5, extra: 'x' } })).toEqual({
      k: 'account',
      kind: 'tokens',
      t: 1,
      values: { input: 5 },
    });
  });

  it('reads past a line longer than 64 KiB without keeping it, counts it once, and takes the next line', () => {
    const dir = tempDir('hostile-long');
    const reader = new ChannelReader(dir);
    const file = segmentPath(dir, 7, 0);
    const fd = openSync(file, 'a');
    const junk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 8; i += 1) writeSync(fd, junk);
    expect(reader.poll()).toEqual([]);
    // However much of the line has come, the reader holds no more than one line's bound of it.
    const [, offset, partial] = reader.positions()[0] as [string, number, string, boolean?];
    expect(offset).toBe(8 * junk.length);
    expect(Buffer.from(partial, 'base64').length).toBeLessThanOrEqual(MAX_LINE_BYTES);
    for (let i = 0; i < 8; i += 1) writeSync(fd, junk);
    writeSync(fd, `\n${line(sample(2))}`);
    closeSync(fd);
    expect(reader.poll()).toEqual([{ pid: 7, messages: [sample(2)] }]);
    expect(reader.drops).toMatchObject({ longLines: 1, lines: 0 });
  });

  it('holds at most 1 MiB of unfinished lines over all files; the ones past it are read past as too long', () => {
    const dir = tempDir('hostile-partials');
    const files = 300;
    const unfinished = 50 * 1024;
    for (let pid = 1; pid <= files; pid += 1) appendFileSync(segmentPath(dir, pid, 0), Buffer.alloc(unfinished, 0x61));
    const reader = new ChannelReader(dir);
    reader.poll();
    const held = reader.positions().reduce((sum, [, , partial]) => sum + Buffer.from(partial, 'base64').length, 0);
    expect(held).toBeLessThanOrEqual(MAX_PARTIAL_BYTES);
    expect(reader.drops.longLines).toBe(files - Math.floor(MAX_PARTIAL_BYTES / unfinished));
    for (let pid = 1; pid <= files; pid += 1) appendFileSync(segmentPath(dir, pid, 0), `\n${line(sample(pid))}`);
    const pids = new Set<number>();
    do for (const r of reader.poll()) if (r.messages.length === 1) pids.add(r.pid);
    while (reader.behind);
    expect(pids.size).toBe(files);
    // The unfinished lines that were kept ended as lines of junk: invalid, counted.
    expect(reader.drops.lines).toBe(Math.floor(MAX_PARTIAL_BYTES / unfinished));
  });

  it('keeps skipping an overlong line across a checkpoint', () => {
    const dir = tempDir('hostile-resume');
    const file = segmentPath(dir, 7, 0);
    appendFileSync(file, Buffer.alloc(MAX_LINE_BYTES + 10, 0x61));
    const first = new ChannelReader(dir, true);
    first.poll();
    const positions = first.positions();
    first.close();
    appendFileSync(file, `${'b'.repeat(100)}\n${line(sample(3))}`);
    const next = new ChannelReader(dir, true);
    next.resume(positions);
    expect(next.poll()).toEqual([{ pid: 7, messages: [sample(3)] }]);
    expect(next.drops.lines).toBe(0);
  });

  it("follows at most 1,024 files, a live process's first, holds at most 64 descriptors, and counts the files it refused", () => {
    const dir = tempDir('hostile-files');
    for (let pid = 1; pid < 5000; pid += 1) appendFileSync(segmentPath(dir, 100_000 + pid, 0), line(sample(pid)));
    appendFileSync(segmentPath(dir, process.pid, 0), line(sample(0)));
    const before = openDescriptors();
    const reader = new ChannelReader(dir);
    const pids = new Set<number>();
    for (let i = 0; i < 3; i += 1) for (const r of reader.poll()) pids.add(r.pid);
    expect(pids.size).toBe(MAX_FILES);
    expect(pids.has(process.pid)).toBe(true);
    expect(reader.drops.files).toBe(5000 - MAX_FILES);
    expect(reader.openFiles).toBeLessThanOrEqual(MAX_OPEN_FILES);
    // A file named with a pid no Linux hands out is no process's.
    appendFileSync(segmentPath(dir, 2 ** 22 + 1, 0), line(sample(1)));
    expect(openDescriptors() - before).toBeLessThanOrEqual(MAX_OPEN_FILES);
    reader.poll();
    expect(reader.drops.files).toBe(5000 - MAX_FILES + 1);
    reader.close();
  });

  it('parses at most 2,000 lines (1 MiB of them) a poll, and the next polls take the rest in order', () => {
    const dir = tempDir('hostile-flood');
    appendFileSync(segmentPath(dir, 3, 0), Array.from({ length: 5_000 }, (_, n) => line(sample(n + 1))).join(''));
    const reader = new ChannelReader(dir);
    const first = reader.poll()[0]?.messages ?? [];
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(2_000);
    expect(reader.behind).toBe(true);
    const seen = first.map((m) => m.t);
    while (reader.behind) for (const r of reader.poll()) seen.push(...r.messages.map((m) => m.t));
    expect(seen).toEqual(Array.from({ length: 5_000 }, (_, n) => n + 1));
  });

  it('makes at most 1,024 processes from lines alone, and counts each refused one once', () => {
    const session = new Session(
      { id: 't', start: 1, rootPid: process.pid, rootIsObserver: false, observerPids: new Set(), timelinePoints: 10, spanAttributes: {} },
      createLinuxProcReader(),
    );
    const hello = (pid: number) => ({
      k: 'hello' as const,
      pid,
      ppid: 1,
      t: 2,
      origin: 2,
      role: null,
      sessionRoot: false,
      runtime: 'node',
      cli: null,
      startUs: null,
    });
    for (let round = 0; round < 2; round += 1) {
      for (let i = 1; i <= 1100; i += 1) session.apply(4_100_000 + i, [hello(4_100_000 + i)], Date.now());
    }
    expect(session.processes()).toHaveLength(MAX_PROCESSES_FROM_LINES);
    expect(session.drops.processes).toBe(1100 - MAX_PROCESSES_FROM_LINES);
  });
});

describe('a checkpoint file in the session directory (which the CLI can write)', () => {
  const real = (): Record<string, unknown> => {
    const session = new Session(
      { id: 't', start: 1, rootPid: process.pid, rootIsObserver: false, observerPids: new Set(), timelinePoints: 10, spanAttributes: {} },
      createLinuxProcReader(),
    );
    session.sampleTree(Date.now());
    return JSON.parse(JSON.stringify(session.toCheckpoint([['f.jsonl', 10, '']])));
  };

  it("is restored when it has the collector's own shape", () => {
    expect(parseCheckpoint(JSON.stringify(real()))).not.toBeNull();
  });

  it.each([
    ['a process without a pid', (c: any) => (c.live = [{ rss: 1 }])],
    ['closed processes that are not a list', (c: any) => (c.closed = { length: 1 })],
    ['a time that is a string', (c: any) => (c.at = 'now')],
    ['a negative peak', (c: any) => (c.peak.sampled = -1)],
    ['no walk', (c: any) => delete c.walk],
    ['a trace id of another shape', (c: any) => (c.traceId = '../../x')],
    ['a total that is text', (c: any) => (c.totals.requests = '1')],
  ])('is no checkpoint with %s', (_, spoil) => {
    const checkpoint = real();
    spoil(checkpoint);
    expect(parseCheckpoint(JSON.stringify(checkpoint))).toBeNull();
  });

  it('is no checkpoint with an infinite figure (JSON reads 1e999 as Infinity)', () => {
    const text = JSON.stringify(real()).replace('"requests":0', '"requests":1e999');
    expect(text).toContain('1e999');
    expect(parseCheckpoint(text)).toBeNull();
  });
});
