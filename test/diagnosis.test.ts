import { describe, expect, it } from 'vitest';
import { summaryLine } from '../src/collector/summary';
import { breakdown, bucketTotal, diagnose, emptyBuckets, heapEngineOf } from '../src/session/diagnosis';
import type { ProcessEntry } from '../src/session/process-table';

const MiB = 1024 * 1024;

function entry(
  role: ProcessEntry['role'],
  rss: number,
  mem?: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number },
): ProcessEntry {
  return { role, rss, latest: mem ? { mem } : null } as unknown as ProcessEntry;
}

describe('where the memory went', () => {
  it('splits the tree at its peak into buckets that add up to it', () => {
    const alive = [
      entry('cli', 200 * MiB, { heapUsed: 60 * MiB, heapTotal: 80 * MiB, external: 10 * MiB, arrayBuffers: 2 * MiB }),
      entry('cli_worker', 700 * MiB, { heapUsed: 500 * MiB, heapTotal: 540 * MiB, external: 40 * MiB, arrayBuffers: 5 * MiB }),
      entry('mcp_server', 350 * MiB),
      entry('tool', 3 * MiB),
      entry('cli_worker', 150 * MiB),
    ];
    const b = breakdown(alive);
    expect(bucketTotal(b)).toBe(1403 * MiB);
    // external already holds arrayBuffers: 10 + 40, not 10 + 2 + 40 + 5.
    expect(b).toMatchObject({
      heapUsed: 560 * MiB,
      heapFree: 60 * MiB,
      external: 50 * MiB,
      native: 230 * MiB,
      cliOpaque: 150 * MiB,
      mcpServer: 350 * MiB,
      tool: 3 * MiB,
    });
  });

  it('never lets a part exceed the RSS it comes from', () => {
    const b = breakdown([entry('cli', 10 * MiB, { heapUsed: 8 * MiB, heapTotal: 12 * MiB, external: 30 * MiB, arrayBuffers: 0 })]);
    expect(bucketTotal(b)).toBe(10 * MiB);
    expect(b.native).toBe(0);
  });

  it('names the pressure class with its reason in words', () => {
    const withBuckets = (over: Partial<ReturnType<typeof emptyBuckets>>) => ({ ...emptyBuckets(), ...over });
    expect(diagnose({ buckets: withBuckets({ heapUsed: 100 * MiB }), heapLimitRatio: { ratio: 0.93, role: 'cli_worker' } })).toMatchObject({
      class: 'heap-limit',
    });
    expect(diagnose({ buckets: withBuckets({ heapUsed: 200 * MiB, mcpServer: 350 * MiB }), heapLimitRatio: null }).reason).toContain(
      'mcp_server with 350 MiB',
    );
    expect(
      diagnose({ buckets: withBuckets({ heapUsed: 100 * MiB, external: 90 * MiB, native: 50 * MiB }), heapLimitRatio: null }).class,
    ).toBe('external');
    expect(
      diagnose({ buckets: withBuckets({ heapUsed: 100 * MiB, heapFree: 20 * MiB, native: 400 * MiB }), heapLimitRatio: null }).class,
    ).toBe('native');
    expect(
      diagnose({ buckets: withBuckets({ heapUsed: 600 * MiB, heapFree: 60 * MiB, native: 150 * MiB }), heapLimitRatio: null }),
    ).toMatchObject({
      class: 'heap',
      reason: "the V8 heaps hold 660 MiB (81 %) of the 810 MiB sampled at the tree's peak, 600 MiB of it in use",
    });
    expect(diagnose({ buckets: withBuckets({ native: 30 * MiB }), heapLimitRatio: null }).class).toBe('low');
    // Qwen Code 0.15.10 with server-memory and server-filesystem: their 140 MiB is named, not left in "native".
    expect(
      diagnose({
        buckets: withBuckets({ heapUsed: 615 * MiB, heapFree: 58 * MiB, native: 131 * MiB, mcpServer: 140 * MiB }),
        heapLimitRatio: null,
      }),
    ).toMatchObject({ class: 'heap', reason: expect.stringMatching(/; MCP servers hold 140 MiB \(15 %\)$/) });
    expect(diagnose({ buckets: withBuckets({ heapUsed: 615 * MiB, mcpServer: 20 * MiB }), heapLimitRatio: null }).reason).not.toContain(
      'MCP',
    );
    // A run shorter than one tree sample: the peak comes from the high-water marks, never "0 MiB".
    expect(diagnose({ buckets: withBuckets({}), heapLimitRatio: null, treePeak: 42 * MiB }).reason).toBe(
      'the tree peaked at 42 MiB (from high-water marks: no tree sample saw the run)',
    );
  });

  it('calls external memory the class when it is the largest part, under 64 MiB too', () => {
    // 50 MiB of Buffers is 55 % of this tree: neither "native" (25 MiB) nor "heap" (16 MiB).
    const buckets = { ...emptyBuckets(), heapUsed: 12 * MiB, heapFree: 4 * MiB, external: 50 * MiB, native: 25 * MiB };
    expect(diagnose({ buckets, heapLimitRatio: null })).toEqual({
      class: 'external',
      buckets,
      reason:
        "external memory (Buffers, array buffers) holds 50 MiB (55 %) of the 91 MiB sampled at the tree's peak, against 12 MiB of V8 heap in use",
    });
  });
});

describe('the summary line', () => {
  const record = (
    roles: Record<string, number>,
    processes: Array<{ role: string; heap_used_peak_bytes: number | null; runtime?: string }>,
  ) => ({
    cli: 'qwen-code',
    cli_version: '0.15.10',
    tree: { rss_peak_bytes: 890 * MiB, rss_peak_by_role_bytes: roles },
    processes,
    diagnosis: {
      class: 'heap',
      reason: "the V8 heaps hold 674 MiB (76 %) of the 889 MiB sampled at the tree's peak, 622 MiB of it in use",
    },
  });

  it("says whose each figure is: role peaks, one process's largest heap, the diagnosis at the tree's peak", () => {
    const line = summaryLine(
      record({ cli: 214 * MiB, cli_worker: 676 * MiB, mcp_server: 0, tool: 0.3 * MiB }, [
        { role: 'cli', heap_used_peak_bytes: 108 * MiB },
        { role: 'cli_worker', heap_used_peak_bytes: 512 * MiB },
        { role: 'tool', heap_used_peak_bytes: null },
      ]),
      '/r.jsonl',
    );
    expect(line).toBe(
      'qwen-otel: qwen-code 0.15.10 · tree peak 890 MiB (role peaks: cli 214, cli_worker 676, tool <1) · largest V8 heap 512 MiB in use (cli_worker, its own peak) · ' +
        "heap: the V8 heaps hold 674 MiB (76 %) of the 889 MiB sampled at the tree's peak, 622 MiB of it in use · record in /r.jsonl",
    );
    expect(line).not.toMatch(/ 0(,|\))/);
  });

  it("words Bun's heap as JavaScriptCore's, and counts its heap in use when it exceeds its heap total", () => {
    // Claude Code 2.1.197 under Bun: heap used 66.3 MiB against a heap total of 37.1 MiB.
    const bun = { heapUsed: 66.3 * MiB, heapTotal: 37.1 * MiB, external: 2 * MiB, arrayBuffers: 0 };
    const buckets = breakdown([entry('cli', 120 * MiB, bun)]);
    expect(buckets.heapUsed).toBe(66.3 * MiB);
    const { reason } = diagnose({ buckets, heapLimitRatio: null, heapEngine: heapEngineOf(['bun 1.3.5']) });
    expect(reason).toBe("the JavaScriptCore heaps hold 66 MiB (55 %) of the 120 MiB sampled at the tree's peak, 66 MiB of it in use");
    const line = summaryLine(record({ cli: 120 * MiB }, [{ role: 'cli', heap_used_peak_bytes: 66.3 * MiB, runtime: 'bun 1.3.5' }]), null);
    expect(line).toContain('largest JavaScriptCore heap 66 MiB in use (cli, its own peak)');
    expect(heapEngineOf(['node 20.20.2', null])).toBe('V8');
    expect(heapEngineOf(['node 20.20.2', 'bun 1.3.5'])).toBe('JavaScript');
  });

  it('leaves the heap out when no process was instrumented', () => {
    expect(summaryLine(record({ cli: 40 * MiB }, [{ role: 'cli', heap_used_peak_bytes: null }]), null)).not.toContain('heap 0');
  });
});
