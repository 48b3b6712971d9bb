// The package as a user installs it: dependencies whose pins agree with each other (npm prints
// a 20-line ERESOLVE warning on every install otherwise) and the licence package.json names.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { REPO } from './helpers/e2e';

const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { license: string };

describe('the package', () => {
  it('installs a tree with every peer range satisfied (npm ls finds nothing invalid)', async () => {
    const result = await runCommand('npm', ['ls', '--all', '--json'], { cwd: REPO, env: process.env, timeoutMs: 60_000 });
    const problems = (JSON.parse(result.stdout) as { problems?: string[] }).problems ?? [];
    expect(problems).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('ships the Apache-2.0 licence text that package.json names', () => {
    expect(manifest.license).toBe('Apache-2.0');
    const license = readFileSync(path.join(REPO, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });
});
