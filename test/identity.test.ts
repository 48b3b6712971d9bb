import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPackage } from '../src/agent/identity';
import { parseConfig } from '../src/config';
import { pushgatewayPath } from '../src/export/pushgateway';
import { commandPackage, resolveIdentity, shortCliName } from '../src/session/identity';
import { tempDir } from './helpers/e2e';

describe('who ran', () => {
  it('shortens the coding CLIs\' package names', () => {
    expect(shortCliName('@qwen-code/qwen-code')).toBe('qwen-code');
    expect(shortCliName('@anthropic-ai/claude-code')).toBe('claude-code');
    expect(shortCliName('@acme/tool')).toBe('tool');
  });

  it('prefers settings, then OpenTelemetry variables, then the package', () => {
    const pkg = { name: '@qwen-code/qwen-code', version: '0.15.10', branch: null };
    expect(resolveIdentity(parseConfig({}).config, pkg, '/usr/bin/qwen')).toEqual({ cli: 'qwen-code', cliVersion: '0.15.10', branch: '0.15.10', workload: 'adhoc' });
    expect(resolveIdentity(parseConfig({ OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'vcs.ref.head.name=main' }).config, pkg, null)).toMatchObject({ cli: 'svc', branch: 'main' });
    expect(resolveIdentity(parseConfig({ QWEN_OTEL_CLI: 'q', QWEN_OTEL_BRANCH: 'b' }).config, pkg, null)).toMatchObject({ cli: 'q', branch: 'b' });
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
    expect(commandPackage('cli.js', path.join(pkg, 'dist'))).toEqual({ name: '@qwen-code/qwen-code', version: '0.16.0-dev', branch: 'lazy-tools' });
    expect(commandPackage('no-such-command', '/nonexistent')).toBeNull();
  });

  it('encodes Pushgateway grouping labels so any value survives the URL path', () => {
    expect(pushgatewayPath({ cli: 'qwen-code', branch: 'feature/x', workload: '' })).toBe(
      `/metrics/job/qwen-otel/cli@base64/${Buffer.from('qwen-code').toString('base64url')}/branch@base64/${Buffer.from('feature/x').toString('base64url')}/workload@base64/=`,
    );
  });
});
