// What the bench itself exposes while the matrix runs: its progress, and each cell's latest
// finished run (labelled cli, branch, workload), as Prometheus text on /metrics; the same
// figures of every finished run are pushed to the Pushgateway when one is configured.
import { startMetricsServer, type MetricsServer } from '../../export/metrics-server';
import { pushToGateway } from '../../export/pushgateway';
import { redactUrl } from '../../redact';
import type { BenchResult } from '../../contracts/bench-result';

interface Family {
  name: string;
  help: string;
  value: (r: BenchResult) => number;
}

const RUN_FAMILIES: Family[] = [
  { name: 'qwen_otel_bench_run_wall_seconds', help: 'Wall time of the latest finished run of the cell.', value: (r) => r.wall_ms / 1000 },
  {
    name: 'qwen_otel_bench_run_ok',
    help: '1 when the latest run of the cell succeeded, 0 when it failed.',
    value: (r) => (r.status === 'ok' ? 1 : 0),
  },
  {
    name: 'qwen_otel_bench_tree_memory_peak_bytes',
    help: 'Process-tree RSS peak of the latest run, from the bench sampler (bytes).',
    value: (r) => r.external.tree_rss_peak_bytes,
  },
  {
    name: 'qwen_otel_bench_process_memory_peak_bytes',
    help: 'Largest VmHWM of one process in the latest run (bytes).',
    value: (r) => r.external.hwm_max_bytes,
  },
  {
    name: 'qwen_otel_bench_model_requests',
    help: 'Model requests the scripted server answered in the latest run.',
    value: (r) => r.server.requests,
  },
  {
    name: 'qwen_otel_bench_request_size_peak_bytes',
    help: 'Largest model request body of the latest run (bytes).',
    value: (r) => r.server.request_bytes_peak,
  },
];

export interface MatrixProgress {
  planned: number;
  finished: number;
  failed: number;
}

function labels(r: BenchResult): string {
  const quote = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{cli="${quote(r.bench.cli)}",branch="${quote(r.bench.branch)}",workload="${quote(r.bench.workload)}"}`;
}

export function runExposition(results: BenchResult[]): string {
  const lines: string[] = [];
  for (const family of RUN_FAMILIES) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`);
    for (const r of results) lines.push(`${family.name}${labels(r)} ${family.value(r)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function progressExposition(progress: MatrixProgress): string {
  return [
    '# HELP qwen_otel_bench_runs_planned Runs in this matrix, warm-up included.',
    '# TYPE qwen_otel_bench_runs_planned gauge',
    `qwen_otel_bench_runs_planned ${progress.planned}`,
    '# HELP qwen_otel_bench_runs_finished Runs finished so far.',
    '# TYPE qwen_otel_bench_runs_finished gauge',
    `qwen_otel_bench_runs_finished ${progress.finished}`,
    '# HELP qwen_otel_bench_runs_failed Runs recorded as failed so far.',
    '# TYPE qwen_otel_bench_runs_failed gauge',
    `qwen_otel_bench_runs_failed ${progress.failed}`,
    '',
  ].join('\n');
}

export class LiveMetrics {
  private readonly latest = new Map<string, BenchResult>();
  private server: MetricsServer | null = null;

  constructor(
    private readonly progress: MatrixProgress,
    private readonly pushgatewayUrl: string | undefined,
    private readonly notice: (line: string) => void,
  ) {}

  async serve(port: number | null, host = '127.0.0.1'): Promise<string | null> {
    if (port === null) return null;
    this.server = await startMetricsServer(
      host,
      port,
      (_req, res) => {
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end(this.exposition());
      },
      this.notice,
    );
    return this.server ? `http://${host}:${this.server.port}/metrics` : null;
  }

  exposition(): string {
    return progressExposition(this.progress) + runExposition([...this.latest.values()]);
  }

  /** A finished run: kept as its cell's latest, and pushed (one bounded attempt; a failure costs one line). */
  async finished(result: BenchResult): Promise<void> {
    this.latest.set(`${result.bench.target}\0${result.bench.workload}`, result);
    if (!this.pushgatewayUrl) return;
    const grouping = { instance: 'qwen-otel-bench', cli: result.bench.cli, branch: result.bench.branch, workload: result.bench.workload };
    await pushToGateway(this.pushgatewayUrl, grouping, runExposition([result]), 2000).catch((error: Error) =>
      this.notice(`qwen-otel bench: push to ${redactUrl(this.pushgatewayUrl ?? '')} failed: ${error.message}`),
    );
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }
}
