// QWEN_OTEL_HEAP_PROFILE end to end: a test CLI built by the real bundler retains its heap from
// a known node_modules package; the record must name that package, add up, and carry no path
// or heap string; the CLI's output and exit code must not change; the bad cases skip in one line.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validator } from '../src/contracts/validate';
import { RunRecordSchema } from '../src/contracts/run-record';
import { find, parsePrometheus, readRecords, runWrapped, sandbox, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';
import { PLANTED, writeHeapFixture } from './helpers/heap-fixture';

const sum = (entries: Record<string, number>): number => Object.values(entries).reduce((a, b) => a + b, 0);

/** With `byFlag`, `qwen-otel run --heap-profile` turns the profiler on instead of the variable. */
async function profiled(name: string, script: (root: string) => string[], extra: NodeJS.ProcessEnv = {}, byFlag = false) {
  const box = sandbox(name, { ...(byFlag ? {} : { QWEN_OTEL_HEAP_PROFILE: '1' }), QWEN_OTEL_SAMPLE_INTERVAL_MS: '100', ...extra });
  const result = await runWrapped(script(box.dir), box.env, 120_000, byFlag ? ['--heap-profile'] : []);
  const text = readRecords(box.recordFile).length ? JSON.stringify(readRecords(box.recordFile)[0]) : '';
  const record = readRecords(box.recordFile)[0];
  return { box, result, text, record, profile: record.processes.find((p: { role: string }) => p.role === 'cli')?.heap_profile };
}

describe('heap profile (QWEN_OTEL_HEAP_PROFILE=1)', () => {
  for (const bundle of ['regions.js', 'mapped.js']) {
    it(`names the package that retains the heap (${bundle}), adds up, and keeps paths and heap strings out`, async () => {
      // The source-mapped bundle is profiled through `qwen-otel run --heap-profile`.
      const byFlag = bundle === 'mapped.js';
      const fixture = (root: string): string[] => [process.execPath, path.join(writeHeapFixture(root, 160).dist, bundle)];
      const { box, result, text, record, profile } = await profiled(`heap-${bundle}`, fixture, {}, byFlag);
      expect(result.stdout).toBe('fixture done\n');
      expect(result.code).toBe(0);
      expect(validator(RunRecordSchema).misfit(record)).toBeNull();
      expect(profile.captures).toBeGreaterThanOrEqual(1);
      expect(profile.failures).toBe(0);
      expect(sum(profile.by_package_bytes)).toBe(profile.sampled_bytes);
      expect(sum(profile.by_module_bytes)).toBe(profile.sampled_bytes);
      // ~160 MiB of small objects retained from heavy-pkg, sampled every 512 KiB on average.
      expect(profile.by_package_bytes['heavy-pkg']).toBeGreaterThan(0.8 * profile.sampled_bytes);
      expect(profile.by_module_bytes['heavy-pkg/index.js']).toBe(profile.by_package_bytes['heavy-pkg']);
      expect(profile.sampled_bytes).toBeGreaterThan(0.7 * profile.heap_used_after_bytes);
      expect(profile.sampled_bytes).toBeLessThan(1.3 * profile.heap_used_after_bytes);
      expect(text).not.toContain(box.dir);
      expect(text).not.toContain(PLANTED);
    }, 180_000);
  }

  it('a script outside any package is "(outside the CLI)", never its path; the metric names the package', async () => {
    const { box, text, profile, result } = await profiled(
      'heap-outside',
      (root) => [
        process.execPath,
        writeScript(
          root,
          'loose.js',
          `${WAIT_FOR_METRICS_URL}
      globalThis.kept = []; for (let i = 0; i < 3_000_000; i += 1) globalThis.kept.push({ i });
      // Polls /metrics until the collector has the capture (taken at the next sample).
      metricsUrl().then(async (u) => {
        for (let i = 0; i < 100; i += 1) {
          const body = await (await fetch(u)).text();
          if (body.includes('qwen_otel_v8_heap_by_package_bytes')) { console.log(body); return; }
          await sleep(200);
        }
      });`,
        ),
      ],
      { QWEN_OTEL_PROMETHEUS_PORT: '0' },
    );
    expect(profile.by_package_bytes['(outside the CLI)']).toBeGreaterThan(0.8 * profile.sampled_bytes);
    expect(text).not.toContain(box.dir);
    const served = find(parsePrometheus(result.stdout), 'qwen_otel_v8_heap_by_package_bytes', {
      role: 'cli',
      package: '(outside the CLI)',
    });
    expect(served).toHaveLength(1);
    expect(served[0].value).toBeGreaterThan(0);
  }, 180_000);

  it('off: no heap_profile; with an inspector already attached: one reason, output unchanged', async () => {
    const off = await profiled('heap-off', (root) => [process.execPath, writeScript(root, 'small.js', "console.log('ok');")], {
      QWEN_OTEL_HEAP_PROFILE: '0',
    });
    expect(off.profile).toBeUndefined();
    const attached = await profiled('heap-inspect', (root) => [
      process.execPath,
      '--inspect=127.0.0.1:0',
      writeScript(root, 'small.js', "console.log('ok');"),
    ]);
    expect(attached.result.stdout).toBe('ok\n');
    expect(attached.result.code).toBe(0);
    expect(attached.profile).toMatchObject({ captures: 0, skipped: 'inspector already attached' });
  }, 180_000);
});
