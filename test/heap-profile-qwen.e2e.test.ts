// Real Qwen Code 0.15.10 (installed from npm, pinned) with QWEN_OTEL_HEAP_PROFILE=1, against the
// local scripted model server: the user sees the same output and exit code as without qwen-otel,
// and the record names what filled the heap, content-free.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { runCommand } from '../src/bench/run-command';
import { installCli } from '../src/bench/targets/install';
import { normalizeQwenOutput as normalize, qwenInvocation } from '../src/bench/targets/qwen';
import { BIN, readRecords } from './helpers/e2e';

let qwen = '';
let server: ModelServer;

beforeAll(async () => {
  qwen = (await installCli('@qwen-code/qwen-code@0.15.10')).binPath('qwen');
  server = await startModelServer();
}, 300_000);
afterAll(async () => {
  await server?.close();
});

const sum = (entries: Record<string, number>): number => Object.values(entries).reduce((a, b) => a + b, 0);

describe('Qwen Code 0.15.10 with QWEN_OTEL_HEAP_PROFILE=1', () => {
  it('keeps its output and exit code, and the record attributes its heap by package without a path', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'qo-qwen-heap-'));
    const cwd = path.join(root, 'work');
    mkdirSync(cwd);
    const homes = ['home-a', 'home-b'].map((h) => path.join(root, h));
    for (const h of homes) mkdirSync(h);
    const prompt = 'Run the two echo commands, then say Done.';
    const plainInv = qwenInvocation({ baseUrl: server.url, prompt, home: homes[0] });
    const plain = await runCommand(qwen, plainInv.args, { env: plainInv.env, cwd, timeoutMs: 180_000 });
    const inv = qwenInvocation({ baseUrl: server.url, prompt, home: homes[1] });
    const recordFile = path.join(root, 'runs.jsonl');
    const wrapped = await runCommand(BIN, ['run', '--', qwen, ...inv.args], {
      env: {
        ...inv.env,
        QWEN_OTEL_HEAP_PROFILE: '1',
        QWEN_OTEL_RECORD_FILE: recordFile,
        OTEL_TRACES_EXPORTER: 'none',
        QWEN_OTEL_PROMETHEUS_PORT: '0',
      },
      cwd,
      timeoutMs: 180_000,
    });

    expect(plain.code, plain.stderr).toBe(0);
    expect(wrapped.code).toBe(plain.code);
    expect(normalize(JSON.parse(wrapped.stdout))).toEqual(normalize(JSON.parse(plain.stdout)));
    expect(wrapped.stderr).toBe(plain.stderr);

    const [record] = readRecords(recordFile);
    const profiled = record.processes.filter((p: { heap_profile?: { captures: number } }) => (p.heap_profile?.captures ?? 0) > 0);
    expect(profiled.length).toBeGreaterThan(0);
    for (const { heap_profile: h } of profiled) {
      expect(h.failures).toBe(0);
      expect(sum(h.by_package_bytes)).toBe(h.sampled_bytes);
      expect(sum(h.by_module_bytes)).toBe(h.sampled_bytes);
      const attributed = h.sampled_bytes - (h.by_package_bytes['(unattributed)'] ?? 0) - (h.by_package_bytes['(outside the CLI)'] ?? 0);
      expect(attributed).toBeGreaterThan(0.5 * h.sampled_bytes);
      // Esbuild's region comments in Qwen's cli.js name bundled npm packages.
      expect(Object.keys(h.by_package_bytes).some((name) => /^[@a-z]/.test(name) && !name.startsWith('node:'))).toBe(true);
    }
    const text = JSON.stringify(record);
    // The home as a directory (with its slash): as root it is /root, also the tail of module names
    // such as `@opentelemetry/otlp-transformer/build/src/generated/root.js`.
    for (const secret of [root, `${os.homedir()}/`, qwen]) expect(text).not.toContain(secret);
  }, 400_000);
});
