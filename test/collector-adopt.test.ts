// The shared collector adopts a session as soon as its settings are written, not at its next
// rescan of the sessions folder: here the rescans are an hour apart, so only the file-system
// events can bring the session in.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSessionEnv } from '../src/contracts/session-env';
import { SESSION, SESSION_META } from '../src/contracts/session-layout';
import { Collector } from '../src/collector/daemon';

const HOUR = 3_600_000;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function startCollector(sessionsDir: string): Collector {
  const collector = new Collector({
    sessionsDir,
    singleSessionDir: null,
    sinks: { log: () => undefined, pending: () => undefined },
    spool: null,
    lingerMs: HOUR,
    deliveryDeadlineMs: () => 0,
    onIdle: () => undefined,
    rescanMs: { waiting: HOUR, watched: HOUR },
  });
  collector.start();
  cleanups.push(() => collector.stop());
  return collector;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    if (check()) return true;
  }
  return check();
}

describe('the shared collector', () => {
  it('adopts a session whose settings come after its directory, without waiting for a rescan', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'qo-adopt-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const sessionsDir = path.join(root, 'sessions');
    mkdirSync(sessionsDir);
    const collector = startCollector(sessionsDir);
    const cli = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => cli.kill('SIGKILL'));

    // As the wrapper does it: the directory first (the collector sees it, incomplete), the
    // settings once the CLI runs.
    const dir = path.join(sessionsDir, 'a1b2c3d4e5f6');
    mkdirSync(dir);
    await new Promise((r) => setTimeout(r, 200));
    expect(collector.sessions()).toHaveLength(0);
    const meta = { [SESSION_META.mode]: 'sidecar', [SESSION_META.rootPid]: String(cli.pid) };
    writeFileSync(path.join(dir, SESSION.env), formatSessionEnv(meta, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }));

    expect(await until(() => collector.sessions().length === 1, 20_000)).toBe(true);
    expect(collector.sessions()[0]?.info.rootPid).toBe(cli.pid);
  });
});
