// The import rules of docs/architecture.md, checked by test/layers.test.ts: no circles, and no
// import from a lower layer of the data path to a higher one (each layer may use the ones below).
const LAYERS = [
  ['contracts', '^src/(contracts/|redact\\.ts$|config(-otlp|-parse)?\\.ts$)'],
  ['probes and traffic parsers', '^src/(probes|traffic)/'],
  ['channel', '^src/channel/'],
  ['agent', '^src/agent/'],
  ['session', '^src/session/'],
  ['export', '^src/export/'],
  ['collector', '^src/collector/'],
];
const above = (i) => LAYERS.slice(i + 1).map(([, p]) => p).concat('^src/(bench|dashboard|stack)/', '^src/(api|cli|register)\\.ts$');

/** Inside the bench, the results model sits under the report, the compare gate and the matrix. */
const BENCH_RESULTS = '^src/bench/results/';
const BENCH_ABOVE_RESULTS = '^src/bench/(report|compare|matrix|verdict|stress|overhead)/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    ...LAYERS.map(([name, pattern], i) => ({
      name: `${name.replace(/ /g, '-')}-imports-up`,
      comment: `${name} may import only from the layers below it`,
      severity: 'error',
      from: { path: pattern },
      to: { path: above(i).join('|') },
    })),
    { name: 'bench-results-imports-up', severity: 'error', from: { path: BENCH_RESULTS }, to: { path: BENCH_ABOVE_RESULTS } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
