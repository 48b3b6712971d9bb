// The explanation of a gap in words, shared by `compare` and the reports: the labels of the
// decomposition's parts, the context figures that moved, and the sentences.
import { statsOf, type Cell } from './cells';
import { movers, type Decomposition, type Part, type ProcessGroup } from './decompose';
import { CONTEXT_FIGURES, findFigure, REQUEST_PARTS, type Figure } from './figures';
import { formatBytes, formatDelta, formatPair, formatPercent } from './format';

export interface ContextMove {
  figure: string;
  label: string;
  unit: Figure['unit'];
  baseline: number;
  candidate: number;
  delta: number;
}

const MiB = 1024 * 1024;

export const KIND_LABELS: Record<string, string> = {
  heap_used: 'V8 heap in use',
  heap_free: 'V8 heap reserved, not in use',
  external: 'external memory / arrayBuffers',
  native: 'rest of the CLI processes’ RSS (code, native)',
  cli_opaque: 'CLI processes seen only from outside',
  mcp_server: 'MCP server processes',
  tool: 'shell / tool processes',
  subagent: 'subagent processes',
  other: 'other child processes',
  between_samples: 'tree peak between samples (VmHWM)',
  median_rule: 'median rule',
};

/** What a correction part means where it adds to a side rather than takes away. */
export const ABOVE_LABELS: Record<string, string> = {
  not_at_once: 'tree peak above the roles’ own peaks (between samples)',
};

export const ROLE_LABELS: Record<string, string> = {
  cli: 'root CLI process',
  cli_worker: 'CLI worker processes',
  mcp_server: 'MCP server processes',
  tool: 'shell / tool processes',
  subagent: 'subagent processes',
  other: 'other child processes',
  not_at_once: 'roles not at their peaks at once',
  median_rule: 'median rule',
};

export function contextMoves(pair: { baseline: Cell; candidate: Cell }): ContextMove[] {
  const moves: ContextMove[] = [];
  for (const name of CONTEXT_FIGURES) {
    const figure = findFigure(name) as Figure;
    const base = statsOf(pair.baseline.runs, figure);
    const cand = statsOf(pair.candidate.runs, figure);
    if (!base || !cand || base.median === cand.median) continue;
    moves.push({
      figure: name,
      label: figure.label,
      unit: figure.unit,
      baseline: base.median,
      candidate: cand.median,
      delta: cand.median - base.median,
    });
  }
  return moves;
}

/** Sentences: the gap, where it is by kind and by role, the processes, the context that moved. */
export function explain(d: Decomposition, context: ContextMove[]): string[] {
  const share = (p: Part): string => {
    if (d.gap === 0) return '';
    const pct = Math.round((100 * p.delta) / d.gap);
    return ` (${pct < 0 ? '−' : ''}${Math.abs(pct)} % of the gap)`;
  };
  const list = (parts: Part[], labels: Record<string, string>): string =>
    parts
      .slice(0, 4)
      .map((p) => `${labels[p.name] ?? p.name} ${formatDelta(p.delta, 'bytes')}${share(p)}`)
      .join(', ');
  const words = [
    `Median peak tree RSS ${formatBytes(d.baseline.median)} → ${formatBytes(d.candidate.median)}: ${formatDelta(d.gap, 'bytes')} (${formatPercent(d.baseline.median ? d.gap / d.baseline.median : Infinity)}).`,
  ];
  // Parts that moved less than 1 MiB or 1 % of the gap are in the tables, not in the words.
  const worth = (p: Part): boolean => Math.abs(p.delta) >= Math.max(MiB, Math.abs(d.gap) / 100);
  const kinds = movers(d.byKind).filter((p) => p.name !== 'median_rule' && worth(p));
  if (kinds.length > 0) words.push(`By kind of memory: ${list(kinds, KIND_LABELS)}.`);
  const roles = movers(d.byRole).filter((p) => p.name !== 'median_rule' && p.name !== 'not_at_once' && worth(p));
  if (roles.length > 0) words.push(`By process role: ${list(roles, ROLE_LABELS)}.`);
  words.push(`Processes: baseline ${describeProcesses(d.baseline.processes)}; candidate ${describeProcesses(d.candidate.processes)}.`);
  const moved = contextPhrases(context);
  if (moved.length > 0) {
    words.push(`Context that moved: ${moved.join(', ')}.`);
  } else {
    words.push('No context figure moved (same requests, tokens, tool results, history).');
  }
  return words;
}

const fromTo = (m: ContextMove, label = m.label): string => `${label} ${formatPair(m.baseline, m.candidate, m.unit).join(' → ')}`;

/** The context figures that moved by 1 % or more; the largest request's parts that moved go in brackets after it. */
function contextPhrases(context: ContextMove[]): string[] {
  const moved = context.filter((m) => m.baseline === 0 || Math.abs(m.delta / m.baseline) >= 0.01);
  const partLabel = new Map(REQUEST_PARTS.map((p) => [p.figure, p.label]));
  const parts = moved.filter((m) => partLabel.has(m.figure)).map((m) => fromTo(m, partLabel.get(m.figure)));
  const rest = moved.filter((m) => !partLabel.has(m.figure)).slice(0, 8);
  const total = rest.findIndex((m) => m.figure === 'peak_request_bytes');
  const phrases = rest.map((m) => fromTo(m));
  if (parts.length === 0) return phrases;
  if (total === -1) return [`largest request by part: ${parts.join(', ')}`, ...phrases];
  phrases[total] += ` (${parts.join(', ')})`;
  return phrases;
}

export function describeProcesses(groups: ProcessGroup[]): string {
  if (groups.length === 0) return 'no process list';
  const launcher = groups.some((g) => g.role === 'cli_worker');
  return groups
    .map((g) => {
      const what = g.role === 'cli' && launcher ? 'cli (launches the worker)' : g.role;
      return `${g.count} ${what} [${g.names.join(', ')}] ${formatBytes(g.hwmBytes)}`;
    })
    .join(', ');
}
