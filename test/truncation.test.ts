// Truncation and saved-output counters from traffic: each CLI's notice at the head of a tool
// result (heads copied from real Qwen Code 0.15.10, Claude Code 2.1.112, Gemini CLI 0.61.0 and
// Codex 0.169.0 requests against the scripted model server, paths replaced), counted once however
// many later requests carry it; a later tool call naming the saved file counts as a read-back.
import { describe, expect, it } from 'vitest';
import type { ModelRequestMessage } from '../src/channel/protocol';
import { applyAccounting, emptyTotals } from '../src/session/accounting';
import { recoveryAccounting, truncationAccounting } from '../src/session/traffic-accounting';
import { WIRE_PARSERS } from '../src/traffic/parsers';
import { truncationOf } from '../src/traffic/truncation';

const LINE = 'qwen-otel line of output 0123456789 abcdefghijklmnopqrstuvwxyz\n';
const QWEN_NOTICE = (file: string): string =>
  'Tool output was too large and has been truncated.\nThe full output has been saved to: /home/u/.qwen/tmp/ddd29cb6/' +
  file +
  "\nTo read the complete output, use the read_file tool with the absolute file path above.\nThe truncated output below shows the beginning and end of the content. The marker '... [CONTENT TRUNCATED] ...' indicates where content was removed.\n\nTruncated part of the output:\nCommand: yes | head -c 300000\nDirectory: (root)\nOutput: ";
const GEMINI_NOTICE = (file: string): string =>
  `Output too large. Showing first 8,000 and last 32,000 characters. For full output see: /home/u/.gemini/tmp/work/tool-outputs/session-f7d7/${file}\n<untrusted_context>\nOutput: `;
const CODEX_HEAD = (tokens: number, cut: boolean): string =>
  `Chunk ID: 720729\nWall time: 0.0000 seconds\nProcess exited with code 0\nOriginal token count: ${tokens}\nOutput:\n` +
  (cut ? `Warning: truncated output (original token count: ${tokens})\nTotal output lines: 4762\n\n` : '');
const CLAUDE_NOTICE = (size: string, file: string): string =>
  `<persisted-output>\nOutput too large (${size}). Full output saved to: /home/u/.claude/projects/-w/7f3b22f9/tool-results/${file}\n\nPreview (first 2KB):\n`;

/** Qwen Code's request shape: tool messages whose content is an array of text parts; `args[i]` of the call before result i. */
function qwenBody(results: string[], args: string[] = []): string {
  const messages: unknown[] = [
    { role: 'system', content: 'You are Qwen Code.' },
    { role: 'user', content: 'Print the output.' },
  ];
  results.forEach((text, i) => {
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'run_shell_command', arguments: args[i] ?? '{}' } }],
    });
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: [{ type: 'text', text }] });
  });
  return JSON.stringify({ model: 'mock-model', messages, tools: [], stream: true });
}

/** Claude Code's request shape: tool_result blocks with a string content. */
function claudeBody(results: string[], inputs: object[] = []): string {
  const messages: unknown[] = [{ role: 'user', content: [{ type: 'text', text: 'Print the output.' }] }];
  results.forEach((content, i) => {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: inputs[i] ?? {} }] });
    messages.push({ role: 'user', content: [{ tool_use_id: `toolu_${i}`, type: 'tool_result', content, is_error: false }] });
  });
  return JSON.stringify({ model: 'claude-sonnet-4-5', messages, system: [], tools: [], stream: true });
}

/** Gemini CLI's request shape: functionCall parts, then functionResponse parts with `{output}`. */
function geminiBody(results: string[], args: object[] = []): string {
  const contents: unknown[] = [{ role: 'user', parts: [{ text: 'Print the output.' }] }];
  results.forEach((output, i) => {
    const id = `run_shell_command_179635273534${i}_0`;
    contents.push({ role: 'model', parts: [{ functionCall: { id, args: args[i] ?? {}, name: 'run_shell_command' } }] });
    contents.push({ role: 'user', parts: [{ functionResponse: { id, name: 'run_shell_command', response: { output } } }] });
  });
  return JSON.stringify({ contents, systemInstruction: { parts: [] }, tools: [] });
}

/** Codex's request shape: function_call items with string arguments, then function_call_output items. */
function codexBody(results: string[], args: string[] = []): string {
  const input: unknown[] = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Print the output.' }] }];
  results.forEach((output, i) => {
    input.push({ type: 'function_call', name: 'exec_command', arguments: args[i] ?? '{}', call_id: `call_${i}` });
    input.push({ type: 'function_call_output', call_id: `call_${i}`, output });
  });
  return JSON.stringify({ model: 'mock-model', instructions: '', input, tools: [], stream: true });
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');
const GEMINI_URL = new URL('http://127.0.0.1/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');

function requestMessage(format: ModelRequestMessage['format'], body: string, id: number): ModelRequestMessage {
  const figures = WIRE_PARSERS[format].parseRequest(body, format === 'gemini' ? GEMINI_URL : undefined);
  return { k: 'model_request', id, t: id, format, figures, mem: { rss: 0, heapUsed: 0 } };
}

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

  it("finds Gemini CLI's notice (saved, no size) and Codex's (not saved, size stated in tokens of 4 bytes)", () => {
    const gemini = truncationOf(JSON.stringify({ output: GEMINI_NOTICE('a.txt') + LINE }), 40_943);
    expect(gemini).toMatchObject({ sentBytes: 40_943, saved: true, statedBytes: null });
    expect(truncationOf(JSON.stringify(CODEX_HEAD(75_000, true) + LINE), 10_216)).toMatchObject({ saved: false, statedBytes: 300_000 });
    expect(truncationOf(JSON.stringify(CODEX_HEAD(1_310_720, true)), 10_226)?.statedBytes).toBe(5 * 1024 * 1024);
    // Codex states the token count of every output; only the warning says it was cut.
    expect(truncationOf(JSON.stringify(CODEX_HEAD(500, false) + LINE), 2_104)).toBeNull();
    expect(
      truncationOf(JSON.stringify({ output: `${LINE}Output too large. Showing first 8,000 and last 32,000 characters.` }), 99),
    ).toBeNull();
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

describe('read-backs of saved outputs', () => {
  const QWEN_SAVED = '/home/u/.qwen/tmp/ddd29cb6/run_shell_command_1.output';
  const qwenCut = QWEN_NOTICE('run_shell_command_1.output') + LINE.repeat(3);
  const shell = (command: string): string => JSON.stringify({ command });

  it('finds a later call naming the saved path, in each format that saves: Qwen (shell), Claude (Read), Gemini (shell)', () => {
    const qwen = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([qwenCut, LINE], ['{}', shell(`head -c 2000 ${QWEN_SAVED}`)]))!;
    expect(qwen.readBacks).toEqual([expect.any(Number)]);
    // The read tool Qwen's notice names, and the call key differing from the shell call's.
    const readFile = WIRE_PARSERS['openai-chat'].parseRequest(
      qwenBody([qwenCut, LINE], ['{}', JSON.stringify({ file_path: QWEN_SAVED })]),
    )!;
    expect(readFile.readBacks).toHaveLength(1);
    expect(readFile.readBacks![0]).not.toBe(qwen.readBacks![0]);

    const claudeSaved = '/home/u/.claude/projects/-w/7f3b22f9/tool-results/x.txt';
    const claude = WIRE_PARSERS.anthropic.parseRequest(
      claudeBody([CLAUDE_NOTICE('5MB', 'x.txt'), LINE], [{}, { file_path: claudeSaved }]),
    )!;
    expect(claude.readBacks).toHaveLength(1);

    const geminiSaved = '/home/u/.gemini/tmp/work/tool-outputs/session-f7d7/a.txt';
    const gemini = WIRE_PARSERS.gemini.parseRequest(
      geminiBody([GEMINI_NOTICE('a.txt') + LINE, LINE], [{}, { command: `head -c 2000 '${geminiSaved}'` }]),
      GEMINI_URL,
    )!;
    expect(gemini.readBacks).toHaveLength(1);
  });

  it('finds none for a call naming another path, one before the cut result, or after a result Codex cut without saving', () => {
    const other = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([qwenCut, LINE], ['{}', shell(`cat ${QWEN_SAVED}.bak /etc/hosts`)]))!;
    expect(other.readBacks).toEqual([]);
    const before = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([LINE, qwenCut], [shell(`cat ${QWEN_SAVED}`), '{}']))!;
    expect(before.readBacks).toEqual([]);
    const codex = WIRE_PARSERS['openai-responses'].parseRequest(
      codexBody([CODEX_HEAD(75_000, true) + LINE, LINE], ['{}', JSON.stringify({ cmd: 'cat /tmp/x' })]),
    )!;
    expect(codex.truncated).toHaveLength(1);
    expect(codex.readBacks).toEqual([]);
  });

  it('counts each read-back once in the run, however many later requests carry it; none without one', () => {
    const totals = emptyTotals();
    const read = shell(`head -c 2000 ${QWEN_SAVED}`);
    const bodies = [qwenBody([qwenCut]), qwenBody([qwenCut, LINE], ['{}', read]), qwenBody([qwenCut, LINE, LINE], ['{}', read, '{}'])];
    bodies.forEach((body, i) => {
      const m = requestMessage('openai-chat', body, i);
      for (const account of [...truncationAccounting(totals, m), ...recoveryAccounting(totals, m)]) applyAccounting(totals, account);
    });
    expect([totals.truncations, totals.savedOutputRecoveries]).toEqual([1, 1]);

    const without = emptyTotals();
    const m = requestMessage('openai-chat', qwenBody([qwenCut, LINE]), 0);
    for (const account of recoveryAccounting(without, m)) applyAccounting(without, account);
    expect(without.savedOutputRecoveries).toBe(0);
  });

  it('bounds hostile input: paths past the newest 64 saved are forgotten and counted, read-backs listed at most 64', () => {
    const cuts = Array.from({ length: 100 }, (_, i) => QWEN_NOTICE(`r${i}.output`));
    const path = (i: number): string => `/home/u/.qwen/tmp/ddd29cb6/r${i}.output`;
    const reads = Array.from({ length: 100 }, (_, i) => shell(`cat ${path(i)}`));
    // Each call i comes before result i: call i+1 reads back result i.
    const figures = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([...cuts, LINE], ['{}', ...reads]))!;
    expect(figures.truncated).toHaveLength(64);
    expect(figures.readBacks).toHaveLength(64);
    expect(figures.savedUntracked).toBe(36);

    const oldest = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([...cuts, LINE], [...Array(100).fill('{}'), reads[0]!]))!;
    expect(oldest.readBacks).toEqual([]);
    const newest = WIRE_PARSERS['openai-chat'].parseRequest(qwenBody([...cuts, LINE], [...Array(100).fill('{}'), reads[99]!]))!;
    expect(newest.readBacks).toHaveLength(1);

    const totals = emptyTotals();
    const hostile = { readBacks: [null, 'x', 7, 7, 8], savedUntracked: Infinity };
    const accounts = recoveryAccounting(totals, {
      k: 'model_request',
      id: 1,
      t: 0,
      format: 'openai-chat',
      figures: hostile,
      mem: {},
    } as unknown as ModelRequestMessage);
    for (const account of accounts) applyAccounting(totals, account);
    expect(totals.savedOutputRecoveries).toBe(2);
    expect(totals.savedUntracked).toBe(0);
  });
});
