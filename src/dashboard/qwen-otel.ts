// The qwen-otel dashboard: CLIs and branches side by side, where the memory goes, what the
// requests carried, live sessions, and each run's trace. Generated to
// grafana/dashboards/qwen-otel.json by `npm run dashboard` (a test fails when that file is stale).
// Portable: the Prometheus and Jaeger it reads are datasource variables, so the file imports into
// any Grafana (SDK 0.0.21 has no `__inputs`; the variables pick that Grafana's datasources).
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  type Dashboard,
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { bars, figuresTable, PROMETHEUS, stackedBars, timeline } from './panels';
import * as q from './queries';
import { context, liveSession, type Section, traces } from './sections-live';
import { thisDashboard } from './traces';

export const DASHBOARD_UID = 'qwen-otel';

function labelVariable(name: string, label: string, query: string, multi: boolean): QueryVariableBuilder {
  const variable = new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi);
  return multi ? variable.allValue('.*').current({ text: 'All', value: '$__all' }) : variable.current({ text: 'main', value: 'main' });
}

function overview(): Section {
  return {
    title: 'Overview: CLIs and branches, latest run of each',
    collapsed: false,
    panels: [
      bars({
        title: 'Peak tree RSS · $workload',
        question:
          'Which CLI and branch peaks highest on this workload? (qwen_otel.tree.memory.peak, the latest run pushed for each cli × branch × workload)',
        queries: [{ expr: q.treePeak, legend: '{{cli}} @ {{branch}}' }],
        width: 24,
      })
        .repeat('workload')
        .maxPerRow(3)
        .dataLinks([
          thisDashboard('Runs of ${__field.labels.cli} @ ${__field.labels.branch} in Jaeger (Traces row)', {
            cli: '${__field.labels.cli}',
            branch: '${__field.labels.branch}',
          }),
        ]),
      bars({
        title: 'Run duration · $workload',
        question: 'How long did the run take, beside its peak? (qwen_otel.run.duration in the final push)',
        queries: [{ expr: q.runDuration, legend: '{{cli}} @ {{branch}}' }],
        unit: 's',
        width: 24,
        height: 5,
      })
        .repeat('workload')
        .maxPerRow(3),
      bars(
        {
          title: 'Tree peak against the baseline ($baseline)',
          question:
            "Did this branch regress? Its tree peak over the baseline branch's, same cli and workload (the regression alert fires past 5 % and 20 MiB together, prometheus/rules/settings.yml).",
          queries: [{ expr: q.vsBaseline, legend: q.RUN_LABEL }],
          unit: 'percentunit',
        },
        {
          thresholds: [
            { value: null, color: 'green' },
            { value: 0.05, color: 'red' },
          ],
        },
      ),
      figuresTable({
        title: 'Alerts firing',
        question:
          'What is firing now (RSS regressions, budget, live heap near its limit, steady growth)? One row per alert and its labels.',
        queries: [{ expr: q.firingAlerts, legend: 'firing' }],
        unit: 'none',
        width: 12,
      }),
      figuresTable({
        title: 'Headline figures (latest run)',
        question:
          "The seed's per-run figures side by side: tree peak, duration, root peak, V8 heap and external peaks (one process's), largest request, retained tool results, turns, tool calls.",
        queries: [
          { expr: q.treePeak, legend: 'tree RSS peak' },
          { expr: q.runDuration, legend: 'duration', unit: 's' },
          { expr: q.rootPeak, legend: 'root RSS peak' },
          { expr: q.heapPeak, legend: 'V8 heap peak' },
          { expr: q.externalPeak, legend: 'external peak' },
          { expr: q.peakRequestTotal, legend: 'largest request' },
          { expr: q.retainedSize, legend: 'retained tool results' },
          { expr: q.turns, legend: 'turns', unit: 'none' },
          { expr: q.toolCalls, legend: 'tool calls', unit: 'none' },
        ],
      }),
    ],
  };
}

function whereMemoryGoes(): Section {
  return {
    title: 'Where the memory goes',
    collapsed: false,
    panels: [
      bars({
        title: 'Root vs the rest of the tree (peaks)',
        question: 'Is it the CLI process itself or its children? Root: the VmHWM of the command started; rest: the tree peak less that.',
        queries: [
          { expr: q.rootPeak, legend: `${q.RUN_LABEL} · root` },
          { expr: q.restOfTree, legend: `${q.RUN_LABEL} · rest of tree` },
        ],
      }),
      bars({
        title: 'Memory by child role (peaks)',
        question: 'Which kind of process holds it: cli, cli_worker, mcp_server, tool, subagent, other? (qwen_otel.tree.memory.role_peak)',
        queries: [{ expr: q.rolePeaks, legend: `${q.RUN_LABEL} · {{role}}` }],
      }),
      bars({
        title: 'Tree RSS vs V8 heap vs external (peaks)',
        question:
          "Of a finished run's peak, how much is JavaScript heap, how much external (Buffers; array buffers are part of it), and the rest native? Heap and external: the largest of one process (qwen_otel.v8.heap.used.peak, qwen_otel.v8.external.peak, qwen_otel.v8.array_buffers.peak).",
        queries: [
          { expr: q.treePeak, legend: `${q.RUN_LABEL} · tree RSS` },
          { expr: q.heapPeak, legend: `${q.RUN_LABEL} · V8 heap used` },
          { expr: q.externalPeak, legend: `${q.RUN_LABEL} · external` },
          { expr: q.arrayBuffersPeak, legend: `${q.RUN_LABEL} · array buffers` },
        ],
      }),
      figuresTable({
        title: 'Attribution by configuration item (qwen-otel attribute)',
        question:
          "What does each MCP server cost? Leave-one-out: an item's share is the run with all items minus the run with all but it (median of paired repeats); remainder = (all - none) - the shares, so the rows add up to total. Pushed by qwen-otel attribute when QWEN_OTEL_PUSHGATEWAY_URL is set.",
        queries: [
          { expr: q.attributionTree, legend: 'tree peak RSS' },
          { expr: q.attributionTreePss, legend: 'tree peak PSS' },
          { expr: q.attributionToolSchemas, legend: 'tool schemas / request' },
          { expr: q.attributionInputTokens, legend: 'input tokens / request', unit: 'none' },
          { expr: q.attributionStartup, legend: 'start-up (to 1st request)', unit: 's' },
        ],
      }),
      stackedBars(
        {
          title: 'The tree peak by bucket',
          question:
            'Where the memory was at the sampled tree peak: V8 heap used and free, external, native, a CLI qwen-otel cannot see inside, MCP servers, tools, subagents, other (qwen_otel.tree.memory.peak.bucket; the buckets add up to the sampled peak).',
          queries: [{ expr: q.peakBuckets }],
        },
        'bucket',
      ),
      timeline({
        title: 'RSS vs V8 heap vs external (live)',
        question: "In a live session: is the tree's RSS V8 heap, external memory (Buffers), or native memory outside both?",
        queries: [
          { expr: q.liveTree, legend: `${q.LIVE_LABEL} · tree RSS` },
          { expr: q.liveHeapUsed, legend: `${q.LIVE_LABEL} · heap used` },
          { expr: q.liveHeapTotal, legend: `${q.LIVE_LABEL} · heap total` },
          { expr: q.liveExternal, legend: `${q.LIVE_LABEL} · external` },
          { expr: q.liveArrayBuffers, legend: `${q.LIVE_LABEL} · array buffers` },
          { expr: q.liveMalloced, legend: `${q.LIVE_LABEL} · malloced` },
        ],
      }),
      timeline(
        {
          title: 'V8 heap spaces in use (live)',
          question: 'Which heap space grows: old, new, large objects, code?',
          queries: [{ expr: q.liveHeapSpaces, legend: '{{cli}} @ {{branch}} · {{v8js_heap_space_name}}' }],
        },
        { stacked: true },
      ),
      timeline(
        {
          title: 'RSS by role (live)',
          question: 'Which processes of a live session hold memory now (an MCP server, a shell, a worker)?',
          queries: [{ expr: q.liveByRole, legend: '{{cli}} @ {{branch}} · {{role}}' }],
        },
        { stacked: true },
      ),
    ],
  };
}

export function buildDashboard(): Dashboard {
  const dashboard = new DashboardBuilder("qwen-otel: where AI coding CLIs' memory goes")
    .uid(DASHBOARD_UID)
    .description('Process-tree RSS, V8 heap and context figures per CLI, branch and workload (qwen-otel). Source: src/dashboard/.')
    .tags(['qwen-otel', 'memory'])
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    // First: the other variables and every panel read through these two.
    .withVariable(new DatasourceVariableBuilder('prometheus').label('Prometheus').type('prometheus'))
    .withVariable(new DatasourceVariableBuilder('jaeger').label('Jaeger').type('jaeger'))
    .withVariable(labelVariable('cli', 'CLI', 'label_values(qwen_otel_tree_memory_peak_bytes, cli)', true))
    .withVariable(labelVariable('branch', 'Branch', 'label_values(qwen_otel_tree_memory_peak_bytes{cli=~"$cli"}, branch)', true))
    .withVariable(labelVariable('workload', 'Workload', 'label_values(qwen_otel_tree_memory_peak_bytes{cli=~"$cli"}, workload)', true))
    .withVariable(
      labelVariable('baseline', 'Baseline', 'label_values(qwen_otel_tree_memory_peak_bytes{job="qwen-otel", cli=~"$cli"}, branch)', false),
    )
    .withVariable(
      new TextBoxVariableBuilder('trace')
        .label('Trace ID')
        .description('The run drawn in "One run, phase by phase": a trace ID from the tables, or a run record\'s trace_id.'),
    );
  for (const section of [overview(), whereMemoryGoes(), context(), liveSession(), ...traces()]) {
    const row = new RowBuilder(section.title).collapsed(section.collapsed);
    if (section.repeat) row.repeat(section.repeat);
    if (section.collapsed) {
      for (const panel of section.panels) row.withPanel(panel);
      dashboard.withRow(row);
    } else {
      dashboard.withRow(row);
      for (const panel of section.panels) dashboard.withPanel(panel);
    }
  }
  return dashboard.build();
}
