// The heap profiler's attribution, on bundles made by the real bundler and on a real profile.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attribute, type ProfileNode, topEntries } from '../src/agent/heap-profile/attribute';
import { installRoots } from '../src/agent/heap-profile/index';
import { originOfFile, originOfRelative, OUTSIDE, UNATTRIBUTED } from '../src/agent/heap-profile/origin';
import { decide, FIRST_CAPTURE_BYTES, MAX_CAPTURES, newCaptureState, noteCapture } from '../src/agent/heap-profile/policy';
import { HeapProfiler } from '../src/agent/heap-profile/profiler';
import { regionAt, scanRegions } from '../src/agent/heap-profile/regions';
import { type CallFrame, FrameResolver } from '../src/agent/heap-profile/resolve';
import { tempDir } from './helpers/e2e';
import { writeHeapFixture } from './helpers/heap-fixture';

const MiB = 1024 * 1024;

/** The 0-based line and column where `needle` is in a file. */
function locate(file: string, needle: string): { lineNumber: number; columnNumber: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const lineNumber = lines.findIndex((l) => l.includes(needle));
  if (lineNumber === -1) throw new Error(`${needle} not in ${file}`);
  return { lineNumber, columnNumber: lines[lineNumber].indexOf(needle) };
}

function frame(url: string, at: { lineNumber: number; columnNumber: number }, functionName = 'f'): CallFrame {
  return { functionName, url, ...at };
}

describe('heap profile attribution', () => {
  const root = tempDir('heap-attr');
  const { dist } = writeHeapFixture(root, 8);
  const roots = installRoots(path.join(dist, 'regions.js'), 'fixture-cli');

  it('maps a line of an esbuild bundle to the module its region comment names', () => {
    const bundle = path.join(dist, 'regions.js');
    const index = scanRegions(bundle);
    expect(index?.paths).toEqual(expect.arrayContaining(['node_modules/heavy-pkg/index.js', 'packages/core/src/light.js', 'main.js']));
    const resolver = new FrameResolver(roots);
    const url = `file://${bundle}`;
    expect(resolver.resolve(frame(url, locate(bundle, 'keep.push({')))).toEqual({ pkg: 'heavy-pkg', module: 'heavy-pkg/index.js' });
    expect(resolver.resolve(frame(url, locate(bundle, 'small.push(')))).toEqual({
      pkg: 'packages/core',
      module: 'packages/core/src/light.js',
    });
    expect(resolver.resolve(frame(url, { lineNumber: 0, columnNumber: 0 }, '__toESM')).module).toBe('regions.js (bundle prelude) __toESM');
    expect(resolver.stats).toMatchObject({ scripts: 1, withRegions: 1, sourceMapped: 0 });
  });

  it('maps a minified script through its source map', () => {
    const bundle = path.join(dist, 'mapped.js');
    expect(scanRegions(bundle)).toBeNull();
    const resolver = new FrameResolver(roots);
    // The minifier keeps `.push({n:` of the heavy loop.
    const heavy = locate(bundle, 'push({n:');
    expect(resolver.resolve(frame(bundle, heavy))).toEqual({ pkg: 'heavy-pkg', module: 'heavy-pkg/index.js' });
    expect(resolver.stats.sourceMapped).toBe(1);
  });

  it("names the package that called Node's own module, and counts frames without a script for their caller", () => {
    const bundle = path.join(dist, 'regions.js');
    const node = (callFrame: CallFrame, selfSize: number, children: ProfileNode[] = []): ProfileNode => ({ callFrame, selfSize, children });
    const heavy = frame(`file://${bundle}`, locate(bundle, 'keep.push({'));
    const head = node(frame('', { lineNumber: -1, columnNumber: -1 }, '(root)'), 0, [
      node(heavy, 3 * MiB, [
        node(frame('node:internal/encoding', { lineNumber: 400, columnNumber: 2 }, 'decode'), 5 * MiB),
        node(frame('', { lineNumber: -1, columnNumber: -1 }, '(V8 API)'), 2 * MiB),
      ]),
      node(frame('', { lineNumber: -1, columnNumber: -1 }, '(program)'), 1 * MiB),
    ]);
    const sums = attribute(head, new FrameResolver(roots));
    expect(sums.total).toBe(11 * MiB);
    expect(Object.fromEntries(sums.byPackage)).toEqual({
      'heavy-pkg': 5 * MiB,
      'node:internal/encoding': 5 * MiB,
      [UNATTRIBUTED]: 1 * MiB,
    });
    expect(Object.fromEntries(sums.byModule)).toEqual({
      'heavy-pkg/index.js': 5 * MiB,
      'node:internal/encoding (from heavy-pkg)': 5 * MiB,
      [UNATTRIBUTED]: 1 * MiB,
    });
  });

  it("keeps a bundle's region index between processes, and scans again when the bundle changes", () => {
    const cacheDir = path.join(root, 'regions-cache');
    const bundle = path.join(dist, 'regions.js');
    const at = frame(`file://${bundle}`, locate(bundle, 'keep.push({'));
    const first = new FrameResolver(roots, cacheDir);
    const second = new FrameResolver(roots, cacheDir);
    expect(first.resolve(at)).toEqual({ pkg: 'heavy-pkg', module: 'heavy-pkg/index.js' });
    expect(second.resolve(at)).toEqual({ pkg: 'heavy-pkg', module: 'heavy-pkg/index.js' });
    expect([first.stats.regionsFromCache, second.stats.regionsFromCache]).toEqual([0, 1]);
    const changed = path.join(dist, 'changed.js');
    writeFileSync(changed, '// node_modules/a/index.js\nx();\n');
    expect(new FrameResolver(roots, cacheDir).resolve(frame(changed, { lineNumber: 1, columnNumber: 0 })).pkg).toBe('a');
    writeFileSync(changed, '// node_modules/bb/index.js\nx();\n');
    const again = new FrameResolver(roots, cacheDir);
    expect(again.resolve(frame(changed, { lineNumber: 1, columnNumber: 0 })).pkg).toBe('bb');
    expect(again.stats.regionsFromCache).toBe(0);
  });

  it('finds a region comment that straddles a 1 MiB read', () => {
    const file = path.join(root, 'straddle.js');
    const filler = `${'x'.repeat(MiB - 10)}\n`;
    writeFileSync(file, `${filler}// node_modules/zod/lib/index.js\nconst a = 1;\n`);
    const index = scanRegions(file);
    expect(index).toEqual({ lines: [1], paths: ['node_modules/zod/lib/index.js'] });
    expect(regionAt(index!, 0)).toBeNull();
    expect(regionAt(index!, 2)).toBe('node_modules/zod/lib/index.js');
  });

  it('names packages, Node modules and nothing outside the installation', () => {
    expect(originOfRelative('packages/core/node_modules/undici/lib/core/util.js', 'cli')).toEqual({
      pkg: 'undici',
      module: 'undici/lib/core/util.js',
    });
    expect(originOfRelative('node_modules/@scope/name/dist/a.js', 'cli')).toEqual({ pkg: '@scope/name', module: '@scope/name/dist/a.js' });
    expect(originOfRelative('../../src/x.ts', 'cli')).toEqual({ pkg: 'cli', module: 'src/x.ts' });
    expect(originOfFile('/home/someone/repo/script.js', roots)).toEqual({ pkg: OUTSIDE, module: OUTSIDE });
    const resolver = new FrameResolver(roots);
    expect(resolver.resolve(frame('node:internal/encoding', { lineNumber: 1, columnNumber: 1 }))).toEqual({
      pkg: 'node:internal/encoding',
      module: 'node:internal/encoding',
    });
    expect(resolver.resolve(frame('', { lineNumber: -1, columnNumber: -1 }))).toBeNull();
    expect(resolver.resolve(frame('evalmachine.<anonymous>', { lineNumber: 1, columnNumber: 1 }))).toEqual({
      pkg: UNATTRIBUTED,
      module: UNATTRIBUTED,
    });
    const own = path.join(dist, 'own.js');
    writeFileSync(own, 'module.exports = 1;\n');
    expect(resolver.resolve(frame(own, { lineNumber: 0, columnNumber: 0 }, 'build'))).toEqual({
      pkg: 'fixture-cli',
      module: 'own.js build',
    });
  });

  it('sums a real profile so the entries add up to the sampled total', async () => {
    const inspector = await import('node:inspector');
    const session = new inspector.Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024 });
    const held: object[] = [];
    for (let i = 0; i < 300_000; i += 1) held.push({ i });
    let head: ProfileNode | null = null;
    session.post('HeapProfiler.getSamplingProfile', (error, result) => {
      if (!error) head = (result.profile as { head: ProfileNode }).head;
    });
    session.disconnect();
    expect(head).not.toBeNull();
    const sums = attribute(head!, new FrameResolver(installRoots(__filename, 'qwen-otel')));
    expect(held.length).toBe(300_000);
    expect(sums.total).toBeGreaterThan(4 * MiB);
    const add = (m: Map<string, number> | Record<string, number>): number =>
      Object.values(m instanceof Map ? Object.fromEntries(m) : m).reduce((a, b) => a + b, 0);
    expect(add(sums.byPackage)).toBe(sums.total);
    expect(add(sums.byModule)).toBe(sums.total);
    const top = topEntries(sums.byModule, 2);
    expect(Object.keys(top).length).toBeLessThanOrEqual(3);
    expect(add(top)).toBe(sums.total);
  });

  it('stops without a full GC (it runs at exit, where everything waits on it), and the sampler is off after', async () => {
    const { PerformanceObserver, constants, performance } = await import('node:perf_hooks');
    const profiler = HeapProfiler.start([], () => undefined);
    expect(profiler).not.toBeNull();
    let garbage: object[] | null = [];
    for (let i = 0; i < 200_000; i += 1) garbage.push({ i });
    garbage = null;
    const majors: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if ((e.detail as { kind: number }).kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(e.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    const began = performance.now();
    profiler?.stop();
    const ended = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    observer.disconnect();
    expect(garbage).toBeNull();
    expect(majors.filter((t) => t >= began && t <= ended)).toEqual([]);
    const inspector = await import('node:inspector');
    const probe = new inspector.Session();
    probe.connect();
    let error: Error | null = null;
    probe.post('HeapProfiler.getSamplingProfile', (e) => {
      error = e;
    });
    probe.disconnect();
    expect(String(error)).toMatch(/not started/);
  });

  it("takes a capture after V8's own full collection, and does not mistake its own forced one for V8's", () => {
    const sent: Array<{ status: string; heapUsed: number }> = [];
    const profiler = HeapProfiler.start([], (m) => sent.push(m));
    const heap = (used: number) => ({ used, total: used, limit: 4096 * MiB, malloced: 0, oldUsed: 0, oldLimit: 4096 * MiB, spaces: [] });
    const major: Array<[string, number]> = [['major', 1]];
    try {
      profiler?.onSample(heap(80 * MiB), []);
      expect(sent).toEqual([]);
      profiler?.onSample(heap(70 * MiB), major);
      expect(sent.map((m) => [m.status, m.heapUsed])).toEqual([['captured', 80 * MiB]]);
      // The next sample reports the capture's own forced collection: not V8's, no capture yet.
      profiler?.onSample(heap(200 * MiB), major);
      expect(sent.length).toBe(1);
      profiler?.onSample(heap(190 * MiB), major);
      expect(sent.map((m) => [m.status, m.heapUsed])).toEqual([
        ['captured', 80 * MiB],
        ['captured', 200 * MiB],
      ]);
    } finally {
      profiler?.stop();
    }
  });

  it('at exit, captures a process that passed the mark but was never captured; not one already captured or never past it', () => {
    const heap = (used: number) => ({ used, total: used, limit: 4096 * MiB, malloced: 0, oldUsed: 0, oldLimit: 4096 * MiB, spaces: [] });
    const sent: Array<{ status: string; heapUsed: number }> = [];
    const rising = HeapProfiler.start([], (m) => sent.push(m));
    rising?.onSample(heap(70 * MiB), []);
    rising?.onSample(heap(77 * MiB), []);
    expect(sent).toEqual([]);
    rising?.finish();
    expect(sent.map((m) => [m.status, m.heapUsed])).toEqual([['captured', 77 * MiB]]);
    rising?.finish();
    expect(sent.length).toBe(1);
    const small: unknown[] = [];
    const idle = HeapProfiler.start([], (m) => small.push(m));
    idle?.onSample(heap(30 * MiB), []);
    idle?.finish();
    expect(small).toEqual([]);
  });

  it('captures at new highs only, once the high has passed, a bounded number of times, never near the heap limit', () => {
    const limit = 4096 * MiB;
    const state = newCaptureState();
    expect(decide(state, FIRST_CAPTURE_BYTES - 1, 0, limit, true)).toBe('wait');
    // Still rising: wait for V8's own collection or for the heap to stop rising.
    expect(decide(state, FIRST_CAPTURE_BYTES, 0, limit, false)).toBe('wait');
    expect(decide(state, 80 * MiB, 0, limit, false)).toBe('wait');
    expect(decide(state, 70 * MiB, 0, limit, true)).toBe('capture');
    noteCapture(state);
    expect(state.lastTrigger).toBe(80 * MiB);
    // Next step: 1.5 x 80 = 120 MiB, or 80 + 64 = 144 MiB, whichever is more.
    expect(decide(state, 140 * MiB, 0, limit, true)).toBe('wait');
    expect(decide(state, 150 * MiB, 0, limit, false)).toBe('wait');
    // A creeping heap (under 5 % a sample) has passed its high point too.
    expect(decide(state, 152 * MiB, 0, limit, false)).toBe('wait');
    expect(decide(state, 154 * MiB, 0, limit, false)).toBe('capture');
    expect(decide(state, 154 * MiB, 3000 * MiB, limit, true)).toBe('near-limit');
    noteCapture(state);
    expect(state.lastTrigger).toBe(154 * MiB);
    Object.assign(state, { captures: MAX_CAPTURES });
    expect(decide(state, 4000 * MiB, 0, 8192 * MiB, true)).toBe('wait');
  });
});
