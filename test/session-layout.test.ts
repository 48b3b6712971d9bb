// The contracts the wrapper (sh), the agents and the collector share: spelled once in
// src/contracts/, and bin/qwen-otel must spell them the same way.
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareBuilds } from '../src/collector/lock';
import { formatSessionEnv, parseSessionEnv, shellWord } from '../src/contracts/session-env';
import { ENV, SESSION, SESSION_META, STATE } from '../src/contracts/session-layout';
import { ensurePrivateDir, stateDirCandidates } from '../src/contracts/state-dir';
import { BIN, tempDir } from './helpers/e2e';

describe('the session layout', () => {
  const wrapper = readFileSync(BIN, 'utf8');

  it('is spelled in bin/qwen-otel as in src/contracts/session-layout.ts', () => {
    for (const name of [
      ENV.sessionDir,
      ENV.sessionId,
      ENV.observer,
      ENV.stateDir,
      ...Object.values(SESSION_META).filter((k) => k !== SESSION_META.tty),
    ]) {
      expect(wrapper, name).toContain(name);
    }
    for (const file of [
      STATE.sessions,
      STATE.collectorId,
      STATE.pendingNotices,
      STATE.envProbe,
      SESSION.env,
      SESSION.cliPid,
      SESSION.doneFifo,
    ]) {
      expect(wrapper, file).toMatch(new RegExp(`[/"]${file.replace('.', '\\.')}\\b`));
    }
    expect(wrapper).toContain(`/${SESSION.exitPrefix}$code"`);
    // The state directory candidates, in the same order.
    const order = ['QWEN_OTEL_STATE_DIR', 'XDG_RUNTIME_DIR/qwen-otel', 'HOME/.qwen-otel/run', 'qwen-otel-$(id -u'].map((s) =>
      wrapper.indexOf(s),
    );
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(stateDirCandidates({ XDG_RUNTIME_DIR: '/run/user/7', HOME: '/home/u', TMPDIR: '/t' }, 7)).toEqual([
      '/run/user/7/qwen-otel',
      '/home/u/.qwen-otel/run',
      '/t/qwen-otel-7',
    ]);
    expect(stateDirCandidates({ [ENV.stateDir]: '/s', HOME: '/home/u' }, 7)).toEqual(['/s']);
  });
});

describe('session.env', () => {
  it("reads what dash's and bash's `export -p` print, and what the preload writes", () => {
    const dash = "export QWEN_OTEL_CLI='it'\"'\"'s'\nexport OTEL_RESOURCE_ATTRIBUTES='a=b,c=d'\nexport PATH='/bin'\n";
    const bash = 'export QWEN_OTEL_BRANCH="fix \\"x\\" \\$y"\ndeclare -x OTEL_SERVICE_NAME="svc"\n';
    expect(parseSessionEnv(`${dash}${bash}end\n`)).toEqual({
      QWEN_OTEL_CLI: "it's",
      OTEL_RESOURCE_ATTRIBUTES: 'a=b,c=d',
      QWEN_OTEL_BRANCH: 'fix "x" $y',
      OTEL_SERVICE_NAME: 'svc',
    });
    const written = formatSessionEnv({ [SESSION_META.mode]: 'sidecar' }, { QWEN_OTEL_WORKLOAD: "a'b", HOME: '/root', OTEL_X: undefined });
    expect(parseSessionEnv(written)).toEqual({ [SESSION_META.mode]: 'sidecar', QWEN_OTEL_WORKLOAD: "a'b" });
  });

  it('is not read before its writer is done, and a value left open (a newline) is dropped', () => {
    expect(parseSessionEnv("export QWEN_OTEL_CLI='x'\n")).toBeNull();
    expect(parseSessionEnv("export QWEN_OTEL_CLI='line1\nline2'\nexport QWEN_OTEL_BRANCH='b'\nend\n")).toEqual({ QWEN_OTEL_BRANCH: 'b' });
    expect(shellWord("'open")).toBeNull();
  });
});

describe('builds', () => {
  it('order by version, then by build time', () => {
    expect(compareBuilds('0.2.0+1', '0.1.9+9')).toBeGreaterThan(0);
    expect(compareBuilds('0.1.0+5', '0.1.0+7')).toBeLessThan(0);
    expect(compareBuilds('0.1.0+5', '0.1.0+5')).toBe(0);
  });
});

describe('a private state directory', () => {
  it("is made 0700, tightened when ours, refused when a symlink or another user's", () => {
    const base = tempDir('private');
    const fresh = path.join(base, 'a', 'b');
    expect(ensurePrivateDir(fresh)).toBeNull();
    expect(lstatSync(fresh).mode & 0o777).toBe(0o700);
    chmodSync(fresh, 0o755);
    expect(ensurePrivateDir(fresh)).toBeNull();
    expect(lstatSync(fresh).mode & 0o777).toBe(0o700);
    const link = path.join(base, 'link');
    symlinkSync(fresh, link);
    expect(ensurePrivateDir(link)).toBe('is a symbolic link');
    if (process.getuid?.() === 0) {
      const foreign = path.join(base, 'foreign');
      mkdirSync(foreign, { mode: 0o700 });
      chownSync(foreign, 65534, 65534);
      expect(ensurePrivateDir(foreign)).toBe('is owned by uid 65534, not 0');
    }
  });
});
