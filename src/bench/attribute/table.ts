// An attribution as a table, the same for the terminal, report.md and report.html: per item, per
// figure, the median paired share with its part of the total, then the remainder and the total.
import type { Attribution, ShareSpread } from '../../contracts/attribution';
import { findFigure, type Figure } from '../results/figures';
import { formatDelta } from '../results/format';
import { ATTRIBUTED_FIGURES } from './split';

export interface AttributionTable {
  caption: string;
  header: string[];
  rows: string[][];
}

export const METHOD_NOTE =
  "Leave-one-out: an item's share is (all items) - (all but that item), paired by repeat; " +
  'the remainder is (all - none) less the shares: what the items cost only together (or save together) ' +
  'plus the difference between a median of sums and a sum of medians. Rows add up to the total. ' +
  'Tree peak PSS (a page shared by n processes counts 1/n) is the largest of sparse reads: a lower bound.';

const TITLES: Record<string, string> = {
  tree_rss_peak: 'tree peak RSS',
  tree_pss_peak: 'tree peak PSS',
  tool_schema_bytes_per_request: 'tool schemas / request',
  input_tokens_per_request: 'input tokens / request',
  first_request_ms: 'start-up (1st request)',
};

function cell(share: ShareSpread | undefined, total: ShareSpread | undefined, figure: Figure, withRange: boolean): string {
  // An attribution.json written before a figure was split has no entry for it.
  if (!share || share.median === null) return '—';
  const value = formatDelta(share.median, figure.unit);
  const pct = total?.median ? Math.round((100 * share.median) / total.median) : null;
  const part = pct === null ? '' : ` (${pct < 0 ? '−' : ''}${Math.abs(pct)} %)`;
  const range =
    withRange && share.q1 !== null && share.q3 !== null
      ? ` [${formatDelta(share.q1, figure.unit)}..${formatDelta(share.q3, figure.unit)}]`
      : '';
  return `${value}${part}${range}`;
}

export function attributionTable(a: Attribution, withRange = false): AttributionTable {
  const figures = ATTRIBUTED_FIGURES.map((name) => findFigure(name) as Figure);
  const total = a.rows.find((r) => r.item === 'total');
  const rows = a.rows.map((r) => [
    r.item === 'total' ? 'total (all - none)' : r.item,
    ...figures.map((f) => cell(r.figures[f.name], total?.figures[f.name] ?? r.figures[f.name], f, withRange && r.item !== 'remainder')),
  ]);
  const missing = a.missing.length ? `; no all-but-one run for ${a.missing.join(', ')}: no share, no remainder` : '';
  return {
    caption: `${a.target} ${a.workload}: all = ${a.all} (${a.items.join(', ')}); leave-one-out over ${a.pairs} paired repeat(s); medians${withRange ? ' [IQR]' : ''}, (% of the total)${missing}`,
    header: ['item', ...figures.map((f) => TITLES[f.name] ?? f.label)],
    rows,
  };
}
