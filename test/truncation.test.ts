// Truncation and saved-output counters from traffic: each CLI's notice at the head of a tool
// result (heads copied from real Qwen Code 0.15.10 and Claude Code 2.1.112 requests against the
// scripted model server, paths replaced), counted once however many later requests carry it.
import { describe, expect, it } from 'vitest';
import type { ModelRequestMessage } from '../src/channel/protocol';
import { applyAccounting, emptyTotals } from '../src/session/accounting';
import { truncationAccounting } from '../src/session/traffic-accounting';
import { WIRE_PARSERS } from '../src/traffic/parsers';
import { truncationOf } from '../src/traffic/truncation';

const LINE = 'qwen-otel line of output 0123456789 abcdefghijklmnopqrstuvwxyz\n';
const QWEN_NOTICE = (file: string): string =>
  'Tool output was too large and has been truncated.\nThe full output has been saved to: /home/u/.qwen/tmp/ddd29cb6/' +
  file +
  "\nTo read the complete output, use the read_file tool with the absolute file path above.\nThe truncated output below shows the beginning and end of the content. The marker '... [CONTENT TRUNCATED] ...' indicates where content was removed.\n\nTruncated part of the output:\nCommand: yes | head -c 300000\nDirectory: (root)\nOutput: ";
const CLAUDE_NOTICE = (size: string, file: string): string =>
  `<persisted-output>\nOutput too large (${size}). Full output saved to: /home/u/.claude/projects/-w/7f3b22f9/tool-results/${file}\n\nPreview (first 2KB):\n`;

/** Qwen Code's request shape: tool messages whose content is an array of text parts. */
function qwenBody(results: string[]): string {
  const messages: unknown[] = [
    { role: 'system', content: 'You are Qwen Code.' },
    { role: 'user', content: 'Print the output.' },
  ];
  results.forEach((text, i) => {
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'run_shell_command', arguments: '{}' } }],
    });
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: [{ type: 'text', text }] });
  });
  return JSON.stringify({ model: 'mock-model', messages, tools: [], stream: true });
}

/** Claude Code's request shape: tool_result blocks with a string content. */
function claudeBody(results: string[]): string {
  const messages: unknown[] = [{ role: 'user', content: [{ type: 'text', text: 'Print the output.' }] }];
  results.forEach((content, i) => {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: {} }] });
    messages.push({ role: 'user', content: [{ tool_use_id: `toolu_${i}`, type: 'tool_result', content, is_error: false }] });
  });
  return JSON.stringify({ model: 'claude-sonnet-4-5', messages, system: [], tools: [], stream: true });
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

describe('truncation notices at the head of a tool result', () => {
  it("finds Qwen Code's notice (saved, no size stated) and Claude Code's (saved, size stated in KiB units)", () => {
    const qwen = truncationOf(JSON.stringify([{ type: 'text', text: QWEN_NOTICE('a.output') + LINE }]), 25_932);
    expect(qwen).toMatchObject({ sentBytes: 25_932, saved: true, statedBytes: null });
    expect(truncationOf(JSON.stringify(CLAUDE_NOTICE('5MB', 'b.txt') + LINE), 2_198)).toMatchObject({
      saved: true,
      statedBytes: 5 * 1024 * 1024,
    });
    expect(truncationOf(JSON.stringify(CLAUDE_NOTICE('39.1KB', 'c.txt')), 2_201)?.statedBytes).toBe(Math.round(39.1 * 1024));
  });

  it('finds nothing in an ordinary result, nor in one that only quotes the notice further on', () => {
    expect(truncationOf(JSON.stringify(LINE.repeat(3)), 189)).toBeNull();
    expect(truncationOf(JSON.stringify(`${LINE}cat notes.md: <persisted-output>`), 100)).toBeNull();
  });

  it('lists the cut results of a request with their size as sent; an older one carried again has the same key', () => {
    const cut = QWEN_NOTICE('run_shell_command_1.output') + LINE.repeat(400);
    const first = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([cut]))!;
    const second = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([cut, LINE, QWEN_NOTICE('run_shell_command_2.output')]))!;
    expect(first.truncated).toEqual([{ key: expect.any(Number), sentBytes: utf8(cut), saved: true, statedBytes: null }]);
    expect(second.toolResultCount).toBe(3);
    expect(second.truncated!.map((t) => t.key)).toEqual([first.truncated![0]!.key, expect.any(Number)]);
    expect(second.truncated![1]!.key).not.toBe(first.truncated![0]!.key);

    const preview = CLAUDE_NOTICE('293KB', 'bo2djwfm6.txt') + LINE.repeat(30);
    const claude = WIRE_PARSERS.anthropic.parseRequest(claudeBody([LINE, preview]))!;
    expect(claude.truncated).toEqual([{ key: expect.any(Number), sentBytes: utf8(preview), saved: true, statedBytes: 293 * 1024 }]);
  });

  it('counts each cut result once in the run, whatever carries it again (next turns, side queries)', () => {
    const totals = emptyTotals();
    const bodies = [
      claudeBody([LINE]),
      claudeBody([LINE, CLAUDE_NOTICE('5MB', 'x.txt')]),
      claudeBody([LINE, CLAUDE_NOTICE('5MB', 'x.txt'), LINE]),
      claudeBody([LINE, CLAUDE_NOTICE('5MB', 'x.txt'), LINE, CLAUDE_NOTICE('293KB', 'y.txt')]),
    ];
    for (const [i, body] of bodies.entries()) {
      const m: ModelRequestMessage = {
        k: 'model_request',
        id: i,
        t: i,
        format: 'anthropic',
        figures: WIRE_PARSERS.anthropic.parseRequest(body),
        mem: { rss: 0, heapUsed: 0 },
      } as ModelRequestMessage;
      for (const account of truncationAccounting(totals, m)) applyAccounting(totals, account);
    }
    expect(totals.truncations).toBe(2);
    expect(totals.truncated).toEqual({
      saved: 2,
      sentBytes: utf8(CLAUDE_NOTICE('5MB', 'x.txt')) + utf8(CLAUDE_NOTICE('293KB', 'y.txt')),
      stated: 2,
      statedBytes: 5 * 1024 * 1024 + 293 * 1024,
    });
  });

  it('skips listed entries of another shape (a hostile or older agent), never throws', () => {
    const totals = emptyTotals();
    const figures = { truncated: [null, { key: 'x' }, { key: 7, sentBytes: -1, saved: 'yes', statedBytes: Infinity }] };
    const accounts = truncationAccounting(totals, {
      k: 'model_request',
      id: 1,
      t: 0,
      format: 'anthropic',
      figures,
      mem: {},
    } as unknown as ModelRequestMessage);
    for (const account of accounts) applyAccounting(totals, account);
    expect(totals.truncations).toBe(1);
    expect(totals.truncated).toEqual({ saved: 0, sentBytes: 0, stated: 0, statedBytes: 0 });
  });
});
