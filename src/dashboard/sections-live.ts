// The dashboard's rows about the run as it goes: what the requests carried, live sessions, and
// each run's trace (the rows comparing finished runs are in qwen-otel.ts).
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import { bars, figuresTable, markdown, stackedBars, timeline } from './panels';
import * as q from './queries';
import { recentRuns, traceView } from './traces';

/** A row of panels; an expanded row's panels follow it, a collapsed row holds them. */
export interface Section {
  title: string;
  collapsed: boolean;
  panels: Array<Builder<Panel>>;
  /** Repeat the row (and its panels) for each value of this variable. */
  repeat?: string;
}

export function context(): Section {
  return {
    title: 'Context: what the model requests carried',
    collapsed: true,
    panels: [
      stackedBars(
        {
          title: 'The largest request by part',
          question:
            "What filled the run's largest model request: system prompt, tool schemas or history? (qwen_otel.request.peak.size by part)",
          queries: [{ expr: q.peakRequestParts }],
        },
        'part',
      ),
      bars({
        title: 'Request composition (mean bytes per request)',
        question: 'The same over every request of the run (qwen_otel.request.size by part).',
        queries: [{ expr: q.requestParts, legend: `${q.RUN_LABEL} · {{part}}` }],
      }),
      bars({
        title: 'Retained tool results',
        question: 'How much tool output does the CLI keep in its history, and how big is the largest?',
        queries: [
          { expr: q.retainedSize, legend: `${q.RUN_LABEL} · total` },
          { expr: q.retainedLargest, legend: `${q.RUN_LABEL} · largest` },
        ],
      }),
      bars({
        title: 'Tokens',
        question: 'Tokens in and out per run (gen_ai.client.token.usage).',
        queries: [{ expr: q.tokens, legend: `${q.RUN_LABEL} · {{gen_ai_token_type}}` }],
        unit: 'short',
      }),
      figuresTable({
        title: 'Turns, tool calls, history',
        question: 'How much work the run did: model turns, tool calls, messages in the last request, tool results retained.',
        unit: 'none',
        width: 12,
        queries: [
          { expr: q.turns, legend: 'turns' },
          { expr: q.toolCalls, legend: 'tool calls' },
          { expr: q.historyItems, legend: 'history items' },
          { expr: q.retainedCount, legend: 'retained results' },
        ],
      }),
    ],
  };
}

export function liveSession(): Section {
  return {
    title: 'Live sessions',
    collapsed: true,
    panels: [
      timeline({
        title: 'Tree RSS (live)',
        question: 'Is a running session growing? (the steady-growth alert watches this)',
        queries: [{ expr: q.liveTree, legend: q.LIVE_LABEL }],
      }),
      timeline(
        {
          title: 'Old generation vs its limit (live)',
          question: 'How close is V8 to "heap out of memory"? The alert fires at 80 %.',
          queries: [{ expr: q.liveOldGenerationShare, legend: `${q.LIVE_LABEL} · {{role}}` }],
          unit: 'percentunit',
        },
        { max: 1 },
      ),
      timeline(
        {
          title: 'Time in GC (live)',
          question: 'What share of the time goes to garbage collection, by kind?',
          queries: [{ expr: q.liveGcShare, legend: '{{cli}} @ {{branch}} · {{v8js_gc_type}}' }],
          unit: 'percentunit',
          width: 8,
        },
        { stacked: true },
      ),
      timeline({
        title: 'GCs per second (live)',
        question: 'How often does V8 collect, by kind?',
        queries: [{ expr: q.liveGcRate, legend: '{{cli}} @ {{branch}} · {{v8js_gc_type}}' }],
        unit: 'ops',
        width: 8,
      }),
      timeline({
        title: 'Event loop (live)',
        question: 'Is the CLI responsive? Delay p99 (seconds, left axis) and utilization (0-100 %, right axis).',
        queries: [
          { expr: q.liveLoopDelay, legend: '{{cli}} @ {{branch}} · {{role}} delay p99' },
          { expr: q.liveLoopUtilization, legend: '{{cli}} @ {{branch}} · {{role}} utilization', unit: 'percentunit' },
        ],
        unit: 's',
        width: 8,
      }),
      timeline({
        title: "qwen-otel's own RSS (live)",
        question: 'The observer effect: what the shared collector serving the live sessions costs.',
        queries: [{ expr: q.liveObserver, legend: 'collector · {{instance}}' }],
        width: 24,
        height: 6,
      }),
    ],
  };
}

export function traces(): Section[] {
  return [
    { title: 'Traces · $cli', collapsed: false, repeat: 'cli', panels: [recentRuns()] },
    {
      title: 'One run, phase by phase',
      collapsed: false,
      panels: [
        markdown(
          'How to read a trace',
          "Each run is one trace: `session` → `process cli` → workers, MCP servers, shells → phases (`chat`, `execute_tool`, ...), every span with the memory at its start and end. Pick a trace ID in a table above, or paste a run record's `trace_id` into **Trace ID**.",
          24,
          3,
        ),
        traceView(),
      ],
    },
  ];
}
