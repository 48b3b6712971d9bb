// The run record and the bench result line are one typed contract each (src/contracts/): the
// published JSON Schemas are generated from it, real lines fit it, and renaming a field breaks
// the build wherever the field is built or read.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { BenchResultSchema } from '../src/contracts/bench-result';
import { RunRecordSchema } from '../src/contracts/run-record';
import { schemaFiles } from '../src/contracts/schema-files';
import { validator } from '../src/contracts/validate';
import { readRecords, REPO, runWrapped, sandbox, writeScript } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl');
const fixtureLines = (): unknown[] =>
  readFileSync(FIXTURE, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('the published schemas', () => {
  it('are what the contracts generate (npm run schemas rewrites them)', () => {
    for (const { name, text } of schemaFiles()) {
      expect(readFileSync(path.join(REPO, 'docs', 'schemas', name), 'utf8'), `docs/schemas/${name} is stale: npm run schemas`).toBe(text);
    }
  });
});

describe('real lines fit the contracts', () => {
  it('every line of the recorded Qwen/Claude bench fixture', () => {
    const bench = validator(BenchResultSchema);
    for (const line of fixtureLines()) expect(bench.misfit(line)).toBeNull();
  });

  it('a record written now by qwen-otel run', async () => {
    const box = sandbox('contract');
    const script = writeScript(
      box.dir,
      'child.js',
      `require('child_process').spawnSync('sh', ['-c', 'true']); const keep = Buffer.alloc(8 << 20, 1); setTimeout(() => process.exit(keep.length ? 0 : 1), 300);`,
    );
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code, result.stderr).toBe(0);
    const [record] = readRecords(box.recordFile);
    expect(validator(RunRecordSchema).misfit(record)).toBeNull();
  }, 60_000);
});

describe('a misfit names its field', () => {
  const bench = validator(BenchResultSchema);
  const withRecord = (change: (record: Record<string, any>) => void): unknown => {
    const line = fixtureLines()[1] as { record: Record<string, any> };
    change(line.record);
    return line;
  };

  it('a wrong type, a missing field, a wrong item in a list, a wrong schema name', () => {
    expect(bench.misfit(withRecord((r) => (r.tree.rss_peak_bytes = 'big')))).toEqual({
      field: 'record.tree.rss_peak_bytes',
      problem: 'expected number, got string',
    });
    expect(bench.misfit(withRecord((r) => delete r.diagnosis))).toEqual({ field: 'record.diagnosis', problem: 'missing' });
    expect(bench.misfit(withRecord((r) => (r.processes[1].hwm_bytes = null)))).toEqual({
      field: 'record.processes[1].hwm_bytes',
      problem: 'expected number, got null',
    });
    expect(bench.misfit(withRecord((r) => (r.root = 5)))?.problem).toMatch(/^expected object or null, got number$/);
    expect(bench.misfit(withRecord((r) => (r.schema = 'qwen-otel.run/2')))).toEqual({
      field: 'record.schema',
      problem: 'expected "qwen-otel.run/1", got string',
    });
  });

  it('allows fields it does not know (a newer writer) and records without the later optional parts', () => {
    expect(bench.misfit(withRecord((r) => (r.pss_peak_bytes = 1)))).toBeNull();
    expect(bench.misfit(withRecord((r) => delete r.peak_request))).toBeNull();
  });
});

describe('renaming a record field', () => {
  it('fails tsc where the record is built and where the bench reads it', () => {
    const contract = path.join(REPO, 'src', 'contracts', 'run-record.ts');
    const original = readFileSync(contract, 'utf8');
    const renamed = original.replace("rss_peak_bytes: Num('the tree peak", "rss_peak_bytes_renamed: Num('the tree peak");
    expect(renamed).not.toBe(original);
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      types: ['node'],
      skipLibCheck: true,
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    host.readFile = (file) => (path.resolve(file) === contract ? renamed : read(file));
    const roots = ['session/record.ts', 'bench/results/figures.ts', 'bench/results/decompose.ts'].map((f) => path.join(REPO, 'src', f));
    const program = ts.createProgram(roots, options, host);
    const broken = new Set(ts.getPreEmitDiagnostics(program).map((d) => path.relative(path.join(REPO, 'src'), d.file?.fileName ?? '')));
    expect([...broken].sort()).toEqual(['bench/results/decompose.ts', 'bench/results/figures.ts', 'session/record.ts']);
  }, 120_000);
});
