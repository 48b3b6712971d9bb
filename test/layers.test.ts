// The import rules of docs/architecture.md hold (dependency-cruiser over src/ with
// .dependency-cruiser.cjs): no circles, no import from a lower layer to a higher one.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { REPO, tempDir } from './helpers/e2e';

const DEPCRUISE = path.join(REPO, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string) {
  return runCommand(DEPCRUISE, ['src', '--config', path.join(REPO, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
    cwd,
    env: process.env,
    timeoutMs: 120_000,
  });
}

describe('the layers', () => {
  it('src/ has no import circle and no import from a lower layer to a higher one', async () => {
    const result = await cruise(REPO);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }, 120_000);

  it('the rules are live: a probe importing the session, and a circle, are both refused', async () => {
    const dir = tempDir('layers');
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };
    cpSync(path.join(REPO, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    write('src/probes/reader.ts', "import type { Run } from '../session/run';\nexport const x = (r: Run) => r;\n");
    write('src/session/run.ts', 'export interface Run { id: string }\n');
    write('src/bench/a.ts', "import { b } from './b';\nexport const a = () => b;\n");
    write('src/bench/b.ts', "import { a } from './a';\nexport const b = () => a;\n");
    const result = await cruise(dir);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/probes-and-traffic-parsers-imports-up: src\/probes\/reader\.ts → src\/session\/run\.ts/);
    expect(result.stdout).toMatch(/no-circular: src\/bench\/a\.ts →/);
  }, 120_000);
});
