// `qwen-otel compare` output: a terminal text and a Markdown version (a PR comment).
import type { CellStats } from '../results/cells';
import { formatBytes, formatDelta, formatPercent, formatValue, markdownTable, textTable } from '../results/format';
import type { Decomposition, Part } from '../results/decompose';
import { ABOVE_LABELS, KIND_LABELS, ROLE_LABELS } from '../results/explain';
import type { Comparison, WorkloadComparison } from './comparison';
import type { Check } from './verdict';

type Table = (header: string[], rows: string[][]) => string;

function statsText(stats: CellStats | null, check: Check): string {
  if (!stats) return 'no data';
  const unit = check.figure.unit;
  return `${formatValue(stats.median, unit)} (${formatValue(stats.min, unit)} … ${formatValue(stats.max, unit)})`;
}

/** `5% and 20MiB`. */
export function marginText(check: Check): string {
  return check.margin.text.replace(',', ' and ');
}

function verdictText(check: Check): string {
  switch (check.status) {
    case 'no-data':
      return 'no data';
    case 'regression':
      return `REGRESSION (beyond ${marginText(check)})`;
    case 'improved':
      return `improved (beyond ${marginText(check)})`;
    case 'same':
      return `ok (within ${marginText(check)})`;
    case 'inconclusive':
      return `inconclusive (${check.interval && check.why?.startsWith('the ') ? `straddles ${marginText(check)}` : 'too few runs'})`;
  }
}

function intervalText(check: Check): string {
  const i = check.interval;
  return i ? `${formatDelta(i.low, check.figure.unit)} … ${formatDelta(i.high, check.figure.unit)}` : '—';
}

function checksTable(w: WorkloadComparison, confidence: number, table: Table): string {
  const rows = w.verdict.checks.map((c) => [
    c.figure.name,
    statsText(c.baseline, c),
    statsText(c.candidate, c),
    c.delta === null ? '—' : `${formatDelta(c.delta, c.figure.unit)} ${formatPercent(c.relative ?? 0)}`,
    intervalText(c),
    verdictText(c),
  ]);
  const level = `${Math.round(confidence * 1000) / 10} % interval`;
  return table(['figure', 'baseline median (min … max)', 'candidate median (min … max)', 'change', level, 'verdict'], rows);
}

/**
 * A part that is negative on a side (roles that did not peak at once, say) is shown as two rows of
 * amounts, what it adds and what it takes away ("less: ..."), so no side column holds a negative
 * number; each row's change is its share of the gap, and the changes still add up to it.
 */
function partRows(p: Part, labels: Record<string, string>): string[][] {
  const label = (text: string | undefined): string => (text ? `${text} (${p.name})` : p.name);
  if (p.baseline >= 0 && p.candidate >= 0)
    return [[label(labels[p.name]), formatBytes(p.baseline), formatBytes(p.candidate), formatDelta(p.delta, 'bytes')]];
  const [plusB, plusC, lessB, lessC] = [
    Math.max(0, p.baseline),
    Math.max(0, p.candidate),
    Math.max(0, -p.baseline),
    Math.max(0, -p.candidate),
  ];
  const rows: string[][] = [];
  if (plusB > 0 || plusC > 0)
    rows.push([label(ABOVE_LABELS[p.name] ?? labels[p.name]), formatBytes(plusB), formatBytes(plusC), formatDelta(plusC - plusB, 'bytes')]);
  rows.push([`less: ${label(labels[p.name])}`, formatBytes(lessB), formatBytes(lessC), formatDelta(lessB - lessC, 'bytes')]);
  return rows;
}

function partsTable(parts: Part[], labels: Record<string, string>, d: Decomposition, table: Table, title: string): string {
  const shown = parts.filter((p) => p.baseline !== 0 || p.candidate !== 0);
  const rows = shown.flatMap((p) => partRows(p, labels));
  rows.push(['total = median peak tree RSS', formatBytes(d.baseline.median), formatBytes(d.candidate.median), formatDelta(d.gap, 'bytes')]);
  return table([title, 'baseline', 'candidate', 'change'], rows);
}

/** The third view: V8 heap by package (or module), each side's run nearest its median sampled heap. */
function heapTable(w: WorkloadComparison, table: Table): string | null {
  const h = w.heap;
  if (!h) return null;
  const shown = h.parts.slice(0, HEAP_ROWS);
  const rest = h.parts.slice(HEAP_ROWS);
  const rows = shown.map((p) => [p.name, formatBytes(p.baseline), formatBytes(p.candidate), formatDelta(p.delta, 'bytes')]);
  if (rest.length > 0) {
    const sum = (pick: (p: (typeof rest)[number]) => number): number => rest.reduce((a, p) => a + pick(p), 0);
    rows.push([
      `${rest.length} more`,
      formatBytes(sum((p) => p.baseline)),
      formatBytes(sum((p) => p.candidate)),
      formatDelta(
        sum((p) => p.delta),
        'bytes',
      ),
    ]);
  }
  rows.push([
    'total = sampled live heap',
    formatBytes(h.baseline.chosen.sampled),
    formatBytes(h.candidate.chosen.sampled),
    formatDelta(h.gap, 'bytes'),
  ]);
  return table([`V8 heap by ${w.heapBy}`, 'baseline', 'candidate', 'change'], rows);
}

const HEAP_ROWS = 12;

function heapIntro(w: WorkloadComparison): string {
  const h = w.heap!;
  const side = (c: typeof h.baseline): string =>
    `run #${c.chosen.repeat} (${c.chosen.role}, ${formatBytes(c.chosen.profile.heap_used_bytes ?? 0)} in use at the capture)`;
  return `What fills the V8 heap (QWEN_OTEL_HEAP_PROFILE): baseline ${side(h.baseline)}, candidate ${side(h.candidate)}, each nearest its side's median sampled heap; the rows add up to the sampled totals' difference. Captured after V8's own GC, at a different moment than the tree peak: this explains the heap_used part, it does not split it exactly.`;
}

function runsLine(w: WorkloadComparison): string {
  const failed = (n: number): string => (n > 0 ? `, ${n} failed` : '');
  const runs = (n: number, side: string): string => `${n} ${side} run${n === 1 ? '' : 's'}`;
  return `${runs(w.runs.baseline, 'baseline')}${failed(w.runs.baselineFailed)}, ${runs(w.runs.candidate, 'candidate')}${failed(w.runs.candidateFailed)}`;
}

function decompositionIntro(d: Decomposition): string {
  return `Where the ${formatDelta(d.gap, 'bytes')} is: baseline run #${d.baseline.repeat} and candidate run #${d.candidate.repeat} (each nearest its side's median); the parts add up to the gap.`;
}

export function renderText(c: Comparison): string {
  const out = [`qwen-otel compare: ${c.baseline} (baseline) vs ${c.candidate} (candidate)`, ''];
  for (const w of c.workloads) {
    out.push(`${w.workload}  (${runsLine(w)})`, indent(checksTable(w, c.confidence, textTable)));
    if (w.verdict.failed) out.push(`  REGRESSION: ${w.verdict.failed}`);
    const d = w.decomposition;
    if (d) {
      out.push('', `  ${decompositionIntro(d)}`, indent(partsTable(d.byKind, KIND_LABELS, d, textTable, 'by kind')), '');
      out.push(indent(partsTable(d.byRole, ROLE_LABELS, d, textTable, 'by process role')));
    }
    const heap = heapTable(w, textTable);
    if (heap) out.push('', `  ${heapIntro(w)}`, indent(heap));
    out.push('', ...w.words.map((line) => `  ${line}`), '');
  }
  if (c.unmatched.length > 0) out.push(`Not compared (only one side ran them): ${c.unmatched.join(', ')}`);
  out.push(verdictLine(c));
  return `${out.join('\n')}\n`;
}

export function renderMarkdown(c: Comparison): string {
  const md: Table = (header, rows) =>
    markdownTable(
      header,
      rows,
      header.map((h, i) => i > 0 && h !== 'verdict'),
    );
  const out = [`## qwen-otel compare: \`${c.baseline}\` → \`${c.candidate}\``, '', `**${verdictLine(c)}**`, ''];
  for (const w of c.workloads) {
    out.push(`### ${w.workload}`, '', `${runsLine(w)}.`, '', checksTable(w, c.confidence, md), '');
    if (w.verdict.failed) out.push(`**Regression:** ${w.verdict.failed}`, '');
    const d = w.decomposition;
    if (d) {
      out.push(
        decompositionIntro(d),
        '',
        partsTable(d.byKind, KIND_LABELS, d, md, 'by kind'),
        '',
        partsTable(d.byRole, ROLE_LABELS, d, md, 'by process role'),
        '',
      );
    }
    const heap = heapTable(w, md);
    if (heap) out.push(heapIntro(w), '', heap, '');
    out.push(...w.words.map((line) => `- ${line}`), '');
  }
  if (c.unmatched.length > 0) out.push(`Not compared (only one side ran them): ${c.unmatched.join(', ')}`, '');
  out.push(`<sub>Decomposition rule: ${c.rule}. See docs/compare.md.</sub>`);
  return `${out.join('\n')}\n`;
}

export const MORE_RUNS_HINT = 'more runs decide it: qwen-otel bench --until-confident (or --repeats N), then compare again';

export function verdictLine(c: Comparison): string {
  const of = (n: number): string => `${n} of ${c.workloads.length} workload${c.workloads.length === 1 ? '' : 's'}`;
  const regressed = c.workloads.filter((w) => w.verdict.regression);
  if (regressed.length > 0) {
    const what = regressed.map((w) => {
      const figures = w.verdict.checks
        .filter((ch) => ch.status === 'regression')
        .map((ch) => `${ch.figure.name} ${formatPercent(ch.relative ?? 0)}, interval ${intervalText(ch)} beyond ${marginText(ch)}`);
      return `${w.workload}: ${w.verdict.failed ? 'candidate failed' : figures.join('; ')}`;
    });
    return `REGRESSION in ${of(regressed.length)} (${what.join('; ')}).`;
  }
  const undecided = c.workloads.filter((w) => w.verdict.inconclusive);
  if (undecided.length > 0) {
    const what = undecided.map(
      (w) =>
        `${w.workload}: ${w.verdict.checks
          .filter((ch) => ch.status === 'inconclusive')
          .map((ch) => `${ch.figure.name} ${ch.why}`)
          .join('; ')}`,
    );
    return `INCONCLUSIVE in ${of(undecided.length)} (${what.join('; ')}); ${MORE_RUNS_HINT}.`;
  }
  return `No regression in ${c.workloads.length} workload${c.workloads.length === 1 ? '' : 's'}.`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
