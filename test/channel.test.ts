import { appendFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccountingMessage } from '../src/channel/protocol';
import { parseMessage } from '../src/channel/schema';
import { ChannelReader } from '../src/channel/reader';
import { ChannelWriter, segmentPath } from '../src/channel/writer';
import { tempDir } from './helpers/e2e';

const message = (n: number): AccountingMessage => ({ k: 'account', kind: 'request', t: n, values: { totalBytes: n, model: 'é-unicode' } });

describe('the channel between agents and the collector', () => {
  it('delivers every line once, in order, per process', () => {
    const dir = tempDir('channel');
    const a = new ChannelWriter(dir, 101);
    const b = new ChannelWriter(dir, 202);
    const reader = new ChannelReader(dir);
    a.send(message(1));
    b.send(message(2));
    a.send(message(3));
    const first = reader.poll();
    expect(first.find((r) => r.pid === 101)?.messages).toEqual([message(1), message(3)]);
    expect(first.find((r) => r.pid === 202)?.messages).toEqual([message(2)]);
    expect(reader.poll()).toEqual([]);
    a.send(message(4));
    expect(reader.poll()).toEqual([{ pid: 101, messages: [message(4)] }]);
  });

  it('keeps a half-written line until its end arrives, across a multi-byte character', () => {
    const dir = tempDir('partial');
    const reader = new ChannelReader(dir);
    const line = JSON.stringify(message(7));
    const bytes = Buffer.from(`${line}\n`);
    const cut = bytes.indexOf(Buffer.from('é')) + 1;
    appendFileSync(segmentPath(dir, 5, 0), bytes.subarray(0, cut));
    expect(reader.poll()).toEqual([]);
    appendFileSync(segmentPath(dir, 5, 0), bytes.subarray(cut));
    expect(reader.poll()).toEqual([{ pid: 5, messages: [message(7)] }]);
  });

  it("reads hook lines before the CLI processes' lines, and retires a hook file once read", () => {
    const dir = tempDir('channel-hooks');
    appendFileSync(`${dir}/p100.0.jsonl`, '{"k":"http","t":2,"hosts":{"a":1}}\n');
    appendFileSync(`${dir}/h200.0.jsonl`, '{"k":"hook","event":"PostToolUse","t":1,"ppid":150,"gppid":100}\n');
    const reader = new ChannelReader(dir);
    expect(reader.poll().map((r) => [r.pid, r.messages[0]?.k])).toEqual([
      [200, 'hook'],
      [100, 'http'],
    ]);
    expect(readdirSync(dir).sort()).toEqual(['p100.0.jsonl']);
  });

  it('counts malformed lines and goes on', () => {
    const dir = tempDir('malformed');
    const reader = new ChannelReader(dir);
    appendFileSync(segmentPath(dir, 9, 0), `not json\n{"k":"nope"}\n${JSON.stringify(message(1))}\n`);
    expect(reader.poll()).toEqual([{ pid: 9, messages: [message(1)] }]);
    expect(reader.drops.lines).toBe(2);
    expect(parseMessage('[]')).toBeNull();
  });

  it('rolls segments at the size limit and deletes the ones read, so a long session stays small', () => {
    const dir = tempDir('segments');
    const writer = new ChannelWriter(dir, 77, 300);
    const reader = new ChannelReader(dir);
    const seen: number[] = [];
    for (let n = 0; n < 40; n += 1) {
      writer.send(message(n));
      if (n % 7 === 0) for (const r of reader.poll()) seen.push(...r.messages.map((m) => m.t));
    }
    for (const r of reader.poll()) seen.push(...r.messages.map((m) => m.t));
    expect(seen).toEqual(Array.from({ length: 40 }, (_, n) => n));
    reader.poll();
    expect(readdirSync(dir).length).toBe(1);
  });

  it('stops quietly when the session directory is gone', () => {
    const writer = new ChannelWriter('/nonexistent/qwen-otel', 1);
    expect(() => writer.send(message(1))).not.toThrow();
  });
});
