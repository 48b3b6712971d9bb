import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPackage, gitBranch } from '../src/agent/identity';
import { runCommand } from '../src/bench/run-command';
import { parseConfig } from '../src/config';
import { pushgatewayPath } from '../src/export/pushgateway';
import { commandPackage, resolveIdentity, shortCliName } from '../src/session/identity';
import { tempDir } from './helpers/e2e';

describe('who ran', () => {
  it("shortens the coding CLIs' package names", () => {
    expect(shortCliName('@qwen-code/qwen-code')).toBe('qwen-code');
    expect(shortCliName('@anthropic-ai/claude-code')).toBe('claude-code');
    expect(shortCliName('@acme/tool')).toBe('tool');
  });

  it('prefers settings, then OpenTelemetry variables, then the package', () => {
    const pkg = { name: '@qwen-code/qwen-code', version: '0.15.10', branch: null };
    expect(resolveIdentity(parseConfig({}).config, pkg, '/usr/bin/qwen')).toEqual({
      cli: 'qwen-code',
      cliVersion: '0.15.10',
      branch: '0.15.10',
      workload: 'adhoc',
    });
    expect(
      resolveIdentity(parseConfig({ OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'vcs.ref.head.name=main' }).config, pkg, null),
    ).toMatchObject({ cli: 'svc', branch: 'main' });
    expect(resolveIdentity(parseConfig({ QWEN_OTEL_CLI: 'q', QWEN_OTEL_BRANCH: 'b' }).config, pkg, null)).toMatchObject({
      cli: 'q',
      branch: 'b',
    });
    expect(resolveIdentity(parseConfig({}).config, null, '/opt/bin/codex')).toMatchObject({ cli: 'codex', branch: 'unknown' });
  });

  it('finds the package around a command on PATH, and the branch of a local build', () => {
    const dir = tempDir('identity');
    const pkg = path.join(dir, 'checkout', 'packages', 'cli');
    mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    mkdirSync(path.join(dir, 'checkout', '.git'));
    writeFileSync(path.join(dir, 'checkout', '.git', 'HEAD'), 'ref: refs/heads/lazy-tools\n');
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@qwen-code/qwen-code', version: '0.16.0-dev' }));
    writeFileSync(path.join(pkg, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    const bin = path.join(pkg, 'dist', 'cli.js');
    writeFileSync(bin, '#!/usr/bin/env node\n', { mode: 0o755 });
    expect(detectPackage(bin)).toEqual({ name: '@qwen-code/qwen-code', version: '0.16.0-dev', branch: 'lazy-tools' });
    expect(commandPackage('cli.js', path.join(pkg, 'dist'))).toEqual({
      name: '@qwen-code/qwen-code',
      version: '0.16.0-dev',
      branch: 'lazy-tools',
    });
    expect(commandPackage('no-such-command', '/nonexistent')).toBeNull();
  });

  it('finds the branch of a local build in a git worktree, where .git is a file naming the git directory', async () => {
    const dir = tempDir('identity-worktree');
    const git = (...args: string[]) => runCommand('git', args, { cwd: dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir } });
    mkdirSync(path.join(dir, 'main'));
    writeFileSync(path.join(dir, 'main', 'package.json'), JSON.stringify({ name: 'local-cli', version: '1.2.3' }));
    for (const args of [
      ['init', '-q', '-b', 'main', 'main'],
      ['-C', 'main', 'add', '.'],
      ['-C', 'main', '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x'],
      ['-C', 'main', 'worktree', 'add', '-q', '-b', 'lazy-tools', path.join(dir, 'wt')],
    ]) {
      const result = await git(...args);
      expect(result.code, result.stderr).toBe(0);
    }
    expect(readFileSync(path.join(dir, 'wt', '.git'), 'utf8')).toMatch(/^gitdir: /);
    writeFileSync(path.join(dir, 'wt', 'cli.js'), '');
    expect(detectPackage(path.join(dir, 'wt', 'cli.js'))).toEqual({ name: 'local-cli', version: '1.2.3', branch: 'lazy-tools' });
    expect(detectPackage(path.join(dir, 'main', 'package.json'))?.branch).toBe('main');
    // A relative gitdir (submodules write one) resolves from the file's directory.
    writeFileSync(path.join(dir, 'wt', '.git'), 'gitdir: ../main/.git/worktrees/wt\n');
    expect(gitBranch(path.join(dir, 'wt'))).toBe('lazy-tools');
  });

  it('encodes Pushgateway grouping labels so any value survives the URL path', () => {
    expect(pushgatewayPath({ cli: 'qwen-code', branch: 'feature/x', workload: '' })).toBe(
      `/metrics/job/qwen-otel/cli@base64/${Buffer.from('qwen-code').toString('base64url')}/branch@base64/${Buffer.from('feature/x').toString('base64url')}/workload@base64/=`,
    );
  });
});
