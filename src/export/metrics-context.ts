// Context instruments: what the model requests carried, tokens, tool results, turns; plus the
// runtime's GC and event loop. Histograms record as messages arrive; counters read the totals.
import type { Attributes as OtelAttributes, Histogram, LeanMeter as Meter } from './lean-meter';
import type { RequestValues } from '../channel/protocol';
import type { AccountEvent } from '../session/accounting';
import type { ProcessEntry } from '../session/process-table';
import type { SessionListener } from '../session/session';
import type { SessionView } from '../session/view';
import { observeByRole } from './aggregate';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_V8JS_GC_TYPE,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  ATTR_SERVER_ADDRESS,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_NODEJS_EVENTLOOP_DELAY_MAX,
  METRIC_NODEJS_EVENTLOOP_DELAY_MEAN,
  METRIC_NODEJS_EVENTLOOP_DELAY_P99,
  METRIC_NODEJS_EVENTLOOP_UTILIZATION,
  METRIC_V8JS_GC_DURATION,
} from './semconv';

const BYTE_BUCKETS = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];
const COUNT_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const SECOND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const TOKEN_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
const REQUEST_PARTS = [
  ['total', 'totalBytes'],
  ['system', 'systemBytes'],
  ['tools', 'toolSchemaBytes'],
  ['history', 'historyBytes'],
] as const satisfies ReadonlyArray<readonly [string, keyof RequestValues]>;

export function registerContextMetrics(meter: Meter, session: SessionView): SessionListener {
  const histogram = (name: string, unit: string, description: string, buckets: number[]): Histogram =>
    meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: buckets } });
  const gcDuration = histogram(METRIC_V8JS_GC_DURATION, 's', 'Garbage collection durations', SECOND_BUCKETS);
  const requestSize = histogram('qwen_otel.request.size', 'By', 'Size of each model request, by part', BYTE_BUCKETS);
  const requestMessages = histogram('qwen_otel.request.messages', '{message}', 'Messages in each model request', COUNT_BUCKETS);
  const toolResultSize = histogram('qwen_otel.tool_result.size', 'By', 'Size of each tool result', BYTE_BUCKETS);
  const tokens = histogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, '{token}', 'Tokens per model call', TOKEN_BUCKETS);
  const duration = histogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, 's', 'Model call duration', SECOND_BUCKETS);
  const firstChunk = histogram(
    METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    's',
    'Model call: time from the request to the first chunk of the response',
    SECOND_BUCKETS,
  );
  let lastRequest: Readonly<RequestValues> | null = null;

  meter
    .createObservableGauge('qwen_otel.request.last.size', { unit: 'By', description: 'Size of the latest model request, by part' })
    .addCallback((r) => {
      if (lastRequest) for (const [part, key] of REQUEST_PARTS) r.observe(lastRequest[key] ?? 0, { part });
    });
  registerTotals(meter, session);
  registerLoop(meter, session);

  return {
    onGc(entry: ProcessEntry, gc: ReadonlyArray<readonly [string, number]>): void {
      for (const [kind, ms] of gc) gcDuration.record(ms / 1000, { role: entry.role, [ATTR_V8JS_GC_TYPE]: kind });
    },
    onAccount(_entry: ProcessEntry, event: Readonly<AccountEvent>): void {
      switch (event.kind) {
        case 'request': {
          const v = event.values;
          lastRequest = v;
          for (const [part, key] of REQUEST_PARTS) {
            const bytes = v[key];
            if (bytes !== undefined) requestSize.record(bytes, { part });
          }
          requestMessages.record(v.messageCount ?? 0);
          break;
        }
        case 'tool_result':
          toolResultSize.record(event.values.bytes ?? 0, { truncated: event.values.truncated === true });
          break;
        case 'tokens':
          recordTokens(event.values.input ?? 0, event.values.output ?? 0, modelAttributes(null, null));
          break;
        case 'response': {
          const v = event.values;
          const attributes = modelAttributes(v.provider, v.model);
          recordTokens(v.figures?.inputTokens ?? 0, v.figures?.outputTokens ?? 0, attributes);
          duration.record(v.durationMs / 1000, attributes);
          if (v.firstChunkMs !== null) firstChunk.record(v.firstChunkMs / 1000, attributes);
          break;
        }
        default:
          break;
      }
    },
  };

  function recordTokens(input: number, output: number, attributes: OtelAttributes): void {
    tokens.record(input, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
    tokens.record(output, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
  }
}

/**
 * The attributes the GenAI conventions require on token usage and operation duration. Tokens the
 * typed API reports name no provider: `_OTHER`, the conventions' value for one not known.
 */
function modelAttributes(provider: string | null, model: string | null): OtelAttributes {
  const attributes: OtelAttributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: provider ?? '_OTHER',
  };
  if (model) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
  return attributes;
}

function registerTotals(meter: Meter, session: SessionView): void {
  const t = session.totals;
  const counter = (name: string, unit: string, description: string, read: () => number): void => {
    meter.createObservableCounter(name, { unit, description }).addCallback((r) => r.observe(read()));
  };
  counter('qwen_otel.turns', '{turn}', 'Model turns (requests sent)', () => t.turns);
  counter('qwen_otel.truncations', '{truncation}', 'Tool outputs the CLI truncated', () => t.truncations);
  counter('qwen_otel.saved_output.recoveries', '{recovery}', 'Reads back of saved (truncated) tool output', () => t.savedOutputRecoveries);
  counter('qwen_otel.compressions', '{compression}', 'History compressions', () => t.compressions);
  counter('qwen_otel.subagents', '{subagent}', 'Subagents started', () => t.subagents);
  counter(
    'qwen_otel.requests.unparsed',
    '{request}',
    'Model requests whose body could not be read or understood',
    () => t.unparsedRequests,
  );
  meter
    .createObservableCounter('qwen_otel.http.requests', {
      unit: '{request}',
      description: 'Requests to anything but a model API, by host (the first 32)',
    })
    .addCallback((r) => {
      for (const [host, count] of Object.entries(t.httpByHost)) r.observe(count, { [ATTR_SERVER_ADDRESS]: host });
    });
  meter.createObservableCounter('qwen_otel.tool_calls', { unit: '{call}', description: 'Tool calls, by tool name' }).addCallback((r) => {
    for (const [name, count] of Object.entries(t.toolCallsByName)) r.observe(count, { [ATTR_GEN_AI_TOOL_NAME]: name });
  });
  const retained = (): { readonly count: number; readonly totalBytes: number; readonly largestBytes: number } =>
    t.retained.count > 0 ? t.retained : t.toolResults;
  const gauge = (name: string, unit: string, description: string, read: () => number): void => {
    meter.createObservableGauge(name, { unit, description }).addCallback((r) => r.observe(read()));
  };
  gauge('qwen_otel.tool_results.retained', '{result}', 'Tool results the CLI retains in its history', () => retained().count);
  gauge('qwen_otel.tool_results.retained.size', 'By', 'Total size of retained tool results', () => retained().totalBytes);
  gauge('qwen_otel.tool_results.retained.largest', 'By', 'Largest retained tool result', () => retained().largestBytes);
  gauge('qwen_otel.history.items', '{message}', 'Messages in the latest model request', () => t.historyItems);
  meter
    .createObservableGauge('qwen_otel.request.peak.size', { unit: 'By', description: 'The largest model request so far, by part' })
    .addCallback((r) => {
      if (t.peakRequestBytes === 0) return;
      const p = t.peakRequest;
      for (const [part, bytes] of [
        ['total', t.peakRequestBytes],
        ['system', p.systemBytes],
        ['tools', p.toolSchemaBytes],
        ['history', p.historyBytes],
      ] as const)
        r.observe(bytes, { part });
    });
  gauge(
    'qwen_otel.run.duration',
    's',
    "Time since the run started (at the final push: the run's duration)",
    () => ((session.ended ?? Date.now()) - session.start) / 1000,
  );
}

function registerLoop(meter: Meter, session: SessionView): void {
  const agents = (): Array<Readonly<ProcessEntry>> => session.liveAgents();
  const loopGauge = (name: string, unit: string, description: string, pick: (e: ProcessEntry) => number | undefined): void => {
    meter.createObservableGauge(name, { unit, description }).addCallback((r) => observeByRole(r, agents(), pick, 'max'));
  };
  loopGauge(METRIC_NODEJS_EVENTLOOP_DELAY_MEAN, 's', 'Event-loop delay, mean over the last second', (e) => msToS(e.latest?.loop?.mean));
  loopGauge(METRIC_NODEJS_EVENTLOOP_DELAY_P99, 's', 'Event-loop delay, 99th percentile over the last second', (e) =>
    msToS(e.latest?.loop?.p99),
  );
  loopGauge(METRIC_NODEJS_EVENTLOOP_DELAY_MAX, 's', 'Event-loop delay, maximum over the last second', (e) => msToS(e.latest?.loop?.max));
  loopGauge(METRIC_NODEJS_EVENTLOOP_UTILIZATION, '1', 'Event-loop utilization over the last second', (e) => e.latest?.loop?.utilization);
}

function msToS(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
