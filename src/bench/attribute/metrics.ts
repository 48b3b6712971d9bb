// The attribution as Prometheus gauges for the dashboard's panel: each item's share (and the
// remainder and the total) of each figure, labelled cli, branch, workload and item, PUT to the
// Pushgateway (QWEN_OTEL_PUSHGATEWAY_URL) under its own instance so the runs' groups stay apart.
import type { Attribution } from '../../contracts/attribution';
import { pushToGateway } from '../../export/pushgateway';

/** Figure → family: its name (docs/metrics.md, Prometheus spelling), help, and scale from the figure's unit. */
const FAMILIES: Array<{ figure: string; name: string; help: string; scale: number }> = [
  {
    figure: 'tree_rss_peak',
    name: 'qwen_otel_attribution_tree_memory_peak_bytes',
    help: "An item's share of the tree's peak RSS (bytes).",
    scale: 1,
  },
  {
    figure: 'tree_pss_peak',
    name: 'qwen_otel_attribution_tree_pss_peak_bytes',
    help: "An item's share of the tree's largest PSS read, shared pages split between processes (bytes).",
    scale: 1,
  },
  {
    figure: 'tool_schema_bytes_per_request',
    name: 'qwen_otel_attribution_request_tool_schema_bytes',
    help: "An item's share of the tool-schema bytes per model request (bytes).",
    scale: 1,
  },
  {
    figure: 'input_tokens_per_request',
    name: 'qwen_otel_attribution_request_input_tokens',
    help: "An item's share of the input tokens per model request.",
    scale: 1,
  },
  {
    figure: 'first_request_ms',
    name: 'qwen_otel_attribution_startup_seconds',
    help: "An item's share of the start-up time, spawn to first model request (seconds).",
    scale: 1 / 1000,
  },
];

const quote = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** `qwen@0.15.10` → cli `qwen`, branch `0.15.10` (the record's labels of the run without configuration). */
function cliAndBranch(target: string): [string, string] {
  const at = target.lastIndexOf('@');
  return at > 0 ? [target.slice(0, at), target.slice(at + 1)] : [target, ''];
}

/** One split as exposition text; a share no repeat had is left out, never written as 0. */
export function attributionExposition(a: Attribution): string {
  const [cli, branch] = cliAndBranch(a.target);
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`);
    for (const row of a.rows) {
      const median = row.figures[family.figure]?.median;
      if (median === null || median === undefined) continue;
      const labels = `cli="${quote(cli)}",branch="${quote(branch)}",workload="${quote(a.workload)}",item="${quote(row.item)}"`;
      lines.push(`${family.name}{${labels}} ${median * family.scale}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Pushes each split (one bounded attempt each); a failure costs one line. How many were pushed. */
export async function pushAttribution(url: string, splits: Attribution[], say: (line: string) => void): Promise<number> {
  let pushed = 0;
  for (const a of splits) {
    const [cli, branch] = cliAndBranch(a.target);
    const grouping = { instance: 'qwen-otel-attribute', cli, branch, workload: a.workload };
    await pushToGateway(url, grouping, attributionExposition(a), 2000).then(
      () => (pushed += 1),
      (error: Error) => say(`qwen-otel attribute: push of ${a.target} ${a.workload} failed: ${error.message}`),
    );
  }
  return pushed;
}
