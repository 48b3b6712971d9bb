// The bench's shape, held by a test over the import graph (type-only imports count too): the
// contracts import nothing from the project; results/ (the shared results model) sits under
// report/, compare/ and matrix/, which do not import each other; no circles in the bench.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.join(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Module (path under src/, no extension) -> the project modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const known = new Set(sourceFiles(SRC).map((f) => path.relative(SRC, f).replace(/\.ts$/, '')));
  for (const module of known) {
    const text = readFileSync(path.join(SRC, `${module}.ts`), 'utf8');
    const specs = [...text.matchAll(/(?:from\s+|require\(|import\()'(\.[^']+)'/g)].map((m) => m[1]);
    const targets = specs.map((spec) => path.join(path.dirname(module), spec)).map((t) => (known.has(t) ? t : path.join(t, 'index')));
    graph.set(module, [...new Set(targets.filter((t) => known.has(t)))]);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>, within: (m: string) => boolean): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (m: string, trail: string[]): void => {
    if (state.get(m) === 'done') return;
    if (state.get(m) === 'open') return void found.push([...trail.slice(trail.indexOf(m)), m]);
    state.set(m, 'open');
    for (const next of (graph.get(m) ?? []).filter(within)) visit(next, [...trail, m]);
    state.set(m, 'done');
  };
  for (const m of [...graph.keys()].filter(within)) visit(m, []);
  return found;
}

const area = (m: string): string => m.split('/').slice(0, 2).join('/');

describe('the bench and the contracts, by their imports', () => {
  const graph = importGraph();

  it('has no circles in the bench or the contracts', () => {
    expect(cycles(graph, (m) => m.startsWith('bench/') || m.startsWith('contracts/'))).toEqual([]);
  });

  it('keeps the contracts at the bottom: they import nothing from the project but each other', () => {
    const out = [...graph]
      .filter(([m]) => m.startsWith('contracts/'))
      .flatMap(([m, to]) => to.filter((t) => !t.startsWith('contracts/')).map((t) => `${m} -> ${t}`));
    expect(out).toEqual([]);
  });

  it('puts results/ under report/, compare/ and matrix/, which do not import each other', () => {
    const sides = ['bench/report', 'bench/compare', 'bench/matrix', 'bench/results'];
    const crossings = [...graph].flatMap(([m, to]) =>
      sides.includes(area(m))
        ? to.filter((t) => sides.includes(area(t)) && area(t) !== area(m) && area(t) !== 'bench/results').map((t) => `${m} -> ${t}`)
        : [],
    );
    expect(crossings).toEqual([]);
    const upward = (graph.get('bench/results/load') ?? []).concat(
      ...[...graph].filter(([m]) => area(m) === 'bench/results').map(([, to]) => to),
    );
    expect(upward.filter((t) => ['bench/report', 'bench/compare', 'bench/matrix'].includes(area(t)))).toEqual([]);
  });
});
