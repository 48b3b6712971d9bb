// The run record: one content-free JSON line per run, with the seed's per-run figures and the
// diagnosis. Its type (and JSON Schema) is the contract in ../contracts/run-record.ts.
import { constants as osConstants } from 'node:os';
import type { ProcessPeaks } from '../channel/protocol';
import type { DiagnosisFigures, ExitFigures, ProcessFigures, RunRecord, TimelineFigures, V8Figures } from '../contracts/run-record';
import { RUN_RECORD_SCHEMA } from '../contracts/schema-ids';
import { bucketTotal, diagnose, type Diagnosis, heapEngineOf } from './diagnosis';
import { heapProfileFigures } from './heap-profile';
import type { RunIdentity } from './identity';
import { isInstrumented, type ProcessEntry } from './process-table';
import type { Session } from './session';
import { downsample } from './timeline';

/** Processes listed one by one in the record; the rest are counted. */
const MAX_LISTED_PROCESSES = 100;
const MAX_TIMELINE_POINTS = 120;

export interface RunEnd {
  at: number;
  exitCode: number | null;
  signal: string | null;
  /** false for the record written early, when heap pressure threatened a crash. */
  complete: boolean;
}

export interface ObserverFigures {
  mode: 'run' | 'sidecar';
  /** When the collector learned the run was over (epoch ms). */
  finishAt: number | null;
  /** When the CLI ended as its parent saw it (the wrapper's exit-code file), else finishAt. */
  runEndedAt: number | null;
  collectorPid: number;
  /** The shared collector's kernel high-water mark over its whole life (it may predate this run). */
  collectorHwmBytes: number;
  /** Its largest RSS sampled while this run was live. */
  collectorRssPeakBytes: number;
  /** This run's share of its CPU time: what it spent while the run was live, split evenly among the live runs. */
  collectorCpuMs: number;
  /** The most runs it served at once while this one was live. */
  collectorSessionsPeak: number;
}

export function buildRecord(session: Session, identity: RunIdentity, end: RunEnd, observer: ObserverFigures): RunRecord {
  const processes = session.processes();
  const instrumented = processes.filter(isInstrumented);
  const root = processes.find((p) => p.role === 'cli') ?? null;
  const hwmMax = Math.max(0, ...processes.map((p) => p.hwm));
  const t = session.totals;
  return {
    schema: RUN_RECORD_SCHEMA,
    run_id: session.options.id,
    trace_id: session.traceId,
    complete: end.complete,
    time: new Date(session.start).toISOString(),
    duration_ms: Math.round(end.at - session.start),
    cli: identity.cli,
    cli_version: identity.cliVersion,
    branch: identity.branch,
    workload: identity.workload,
    model: t.model,
    exit: exitFigures(root, end),
    tree: {
      rss_peak_bytes: treePeakBytes(session),
      rss_peak_sampled_bytes: session.peak.sampled,
      hwm_max_bytes: hwmMax,
      processes_peak: Math.max(0, ...session.timeline.snapshot().map((p) => p.processes)),
      processes_seen: processes.length,
      rss_peak_by_role_bytes: session.rolePeaks,
      ...pssFigures(session),
    },
    root: root ? { rss_peak_bytes: root.hwm, instrumented: isInstrumented(root) } : null,
    v8: instrumented.length > 0 ? v8Figures(instrumented) : null,
    processes: processes.slice(0, MAX_LISTED_PROCESSES).map((p) => processFigures(p, session.start)),
    processes_not_listed: Math.max(0, processes.length - MAX_LISTED_PROCESSES),
    turns: t.turns,
    requests: t.requests,
    tokens: t.tokens,
    tool_calls: t.toolCalls,
    tool_calls_by_name: t.toolCallsByName,
    tool_results: {
      count: t.toolResults.count,
      total_bytes: t.toolResults.totalBytes,
      largest_bytes: t.toolResults.largestBytes,
      truncated: t.toolResults.truncated,
    },
    retained_tool_results: { count: t.retained.count, total_bytes: t.retained.totalBytes, largest_bytes: t.retained.largestBytes },
    history_items: t.historyItems,
    tools_offered: { first: t.toolsOffered.first, last: t.toolsOffered.last, max: t.toolsOffered.max },
    peak_request_bytes: t.peakRequestBytes,
    peak_request: {
      system_bytes: t.peakRequest.systemBytes,
      tool_schema_bytes: t.peakRequest.toolSchemaBytes,
      history_bytes: t.peakRequest.historyBytes,
      messages: t.peakRequest.messageCount,
    },
    subagents: t.subagents,
    truncations: t.truncations,
    truncated_outputs: {
      saved: t.truncated.saved,
      sent_bytes: t.truncated.sentBytes,
      stated: t.truncated.stated,
      stated_original_bytes: t.truncated.statedBytes,
      saved_untracked: t.savedUntracked,
    },
    saved_output_recoveries: t.savedOutputRecoveries,
    compressions: t.compressions,
    unparsed_requests: t.unparsedRequests,
    http_requests_by_host: t.httpByHost,
    dropped_lines: session.drops.lines,
    dropped_long_lines: session.drops.longLines,
    dropped_files: session.drops.files,
    dropped_processes: session.drops.processes,
    unread_bytes: session.drops.unreadBytes,
    traffic: {
      observed: t.requestsSeenBy.proxy !== null || t.requestsSeenBy.inProcess > 0,
      in_process_requests: t.requestsSeenBy.inProcess,
      proxy_requests: t.requestsSeenBy.proxy,
    },
    diagnosis: diagnosisFigures(diagnoseSession(session), session),
    timeline: timelineFigures(session),
    observer: {
      mode: observer.mode,
      finish_at_ms: observer.finishAt,
      run_ended_at_ms: observer.runEndedAt,
      collector_hwm_bytes: observer.collectorHwmBytes,
      collector_rss_peak_bytes: observer.collectorRssPeakBytes,
      collector_cpu_ms: observer.collectorCpuMs,
      collector_sessions_peak: observer.collectorSessionsPeak,
      agent_start_ms: round1(instrumented.reduce((sum, p) => sum + (p.hello?.startUs ?? 0), 0) / 1000),
      ...agentCpu(instrumented),
      agent_samples: instrumented.reduce((sum, p) => sum + (p.final?.samples ?? 0), 0),
      spans: session.spans.count,
      spans_dropped: session.spans.dropped,
      heap_snapshots: session.snapshots,
      collector_pid: observer.collectorPid,
      collector_restarts: session.restarts,
    },
  };
}

/** The agents' own CPU, summed over the instrumented processes: starting, sampling, reading traffic. */
function agentCpu(
  instrumented: ProcessEntry[],
): Pick<RunRecord['observer'], 'agent_start_cpu_ms' | 'agent_sampling_cpu_ms' | 'agent_traffic_cpu_ms' | 'agent_cpu_ms'> {
  const sum = (pick: (p: ProcessEntry) => number | null | undefined): number =>
    instrumented.reduce((total, p) => total + (pick(p) ?? 0), 0) / 1000;
  const start = sum((p) => p.hello?.startCpuUs);
  const sampling = sum((p) => p.latest?.costUs);
  const traffic = sum((p) => p.latest?.trafficUs);
  return {
    agent_start_cpu_ms: round1(start),
    agent_sampling_cpu_ms: round1(sampling),
    agent_traffic_cpu_ms: round1(traffic),
    agent_cpu_ms: round1(start + sampling + traffic),
  };
}

/** The best lower bound on the tree's peak: sampled sums, and every process's high-water mark. */
export function treePeakBytes(session: Session): number {
  return Math.max(session.peakBound, 0, ...session.processes().map((p) => p.hwm));
}

/** Null figures when smaps_rollup was never read (no such file, or no tree sample). */
function pssFigures(
  session: Session,
): Pick<RunRecord['tree'], 'pss_peak_bytes' | 'uss_at_pss_peak_bytes' | 'rss_at_pss_peak_bytes' | 'pss_reads' | 'pss_read_ms'> {
  const f = session.pss.figures;
  const read = f.peak > 0;
  return {
    pss_peak_bytes: read ? f.peak : null,
    uss_at_pss_peak_bytes: read ? f.ussAtPeak : null,
    rss_at_pss_peak_bytes: read ? f.rssAtPeak : null,
    pss_reads: f.reads,
    pss_read_ms: round1(f.costMs),
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function diagnoseSession(session: Session): Diagnosis {
  let heapLimitRatio: { ratio: number; role: string } | null = null;
  for (const p of session.processes()) {
    const limit = p.latest?.heap?.oldLimit ?? 0;
    if (limit <= 0) continue;
    const ratio = processPeaks(p).oldUsed / limit;
    if (!heapLimitRatio || ratio > heapLimitRatio.ratio) heapLimitRatio = { ratio, role: p.role };
  }
  const heapEngine = heapEngineOf(session.processes().map((p) => p.hello?.runtime));
  return diagnose({ buckets: session.peak.buckets, heapLimitRatio, treePeak: treePeakBytes(session), heapEngine });
}

/** The agent's own peaks and those from the samples we read (either may have missed some). */
export function processPeaks(p: ProcessEntry): ProcessPeaks {
  const theirs = p.final?.peaks;
  if (!theirs) return p.peaks;
  const spaces = { ...p.peaks.spaces };
  for (const [name, used] of Object.entries(theirs.spaces)) spaces[name] = Math.max(spaces[name] ?? 0, used);
  return {
    rss: Math.max(p.peaks.rss, theirs.rss),
    heapUsed: Math.max(p.peaks.heapUsed, theirs.heapUsed),
    oldUsed: Math.max(p.peaks.oldUsed, theirs.oldUsed ?? 0),
    heapTotal: Math.max(p.peaks.heapTotal, theirs.heapTotal),
    external: Math.max(p.peaks.external, theirs.external),
    arrayBuffers: Math.max(p.peaks.arrayBuffers, theirs.arrayBuffers),
    malloced: Math.max(p.peaks.malloced, theirs.malloced),
    spaces,
  };
}

function exitFigures(root: ProcessEntry | null, end: RunEnd): ExitFigures {
  const note = root?.endNote ?? null;
  const code = end.exitCode ?? root?.final?.exitCode ?? null;
  // Killed by a signal it did not handle, the CLI wrote nothing; the wrapper saw 128 + n.
  const killedBy = !note && !root?.final ? signalOfExitCode(code) : null;
  return {
    code,
    signal: end.signal ?? note?.signal ?? killedBy,
    reason: note?.reason ?? (root?.final ? 'exit' : killedBy ? 'signal' : 'unknown'),
    error_name: note?.errorName ?? null,
  };
}

/** The signal a shell-style exit code 128 + n stands for, or null. */
export function signalOfExitCode(code: number | null): string | null {
  if (code === null || code <= 128) return null;
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === code - 128);
  return entry ? entry[0] : null;
}

function v8Figures(instrumented: ProcessEntry[]): V8Figures {
  const peaks = instrumented.map(processPeaks);
  const max = (pick: (p: ProcessPeaks) => number): number => Math.max(0, ...peaks.map(pick));
  const spaces: Record<string, number> = {};
  for (const p of peaks) for (const [name, used] of Object.entries(p.spaces)) spaces[name] = Math.max(spaces[name] ?? 0, used);
  return {
    heap_used_peak_bytes: max((p) => p.heapUsed),
    heap_total_peak_bytes: max((p) => p.heapTotal),
    external_peak_bytes: max((p) => p.external),
    array_buffers_peak_bytes: max((p) => p.arrayBuffers),
    malloced_peak_bytes: max((p) => p.malloced),
    heap_size_limit_bytes: Math.max(0, ...instrumented.map((p) => p.latest?.heap?.limit ?? 0)),
    old_generation_used_peak_bytes: max((p) => p.oldUsed),
    old_generation_limit_bytes: Math.max(0, ...instrumented.map((p) => p.latest?.heap?.oldLimit ?? 0)),
    heap_space_used_peak_bytes: spaces,
  };
}

function processFigures(p: ProcessEntry, start: number): ProcessFigures {
  const peaks = isInstrumented(p) ? processPeaks(p) : null;
  return {
    pid: p.pid,
    role: p.role,
    name: p.shown || (p.hello ? p.hello.runtime.split(' ')[0] : 'unknown'),
    instrumented: isInstrumented(p),
    runtime: p.hello?.runtime ?? null,
    hwm_bytes: p.hwm,
    rss_peak_sampled_bytes: p.rssPeak,
    heap_used_peak_bytes: peaks?.heapUsed ?? null,
    start_ms: Math.round((p.hello?.origin ?? p.firstSeen) - start),
    end_ms: p.final ? Math.round(p.final.t - start) : p.ended === null ? null : Math.round(p.ended - start),
    exit_code: p.final?.exitCode ?? null,
    end_reason: p.endNote?.reason ?? (p.final ? 'exit' : null),
    heap_pressure: p.pressure,
    pss_peak_bytes: p.pss?.peak ?? null,
    uss_at_pss_peak_bytes: p.pss?.ussAtPeak ?? null,
    ...(p.heapProfile ? { heap_profile: heapProfileFigures(p.heapProfile, start) } : {}),
  };
}

function diagnosisFigures(d: Diagnosis, session: Session): DiagnosisFigures {
  const b = d.buckets;
  return {
    class: d.class,
    reason: d.reason,
    at_ms: Math.round(session.peak.at - session.start),
    buckets_bytes: {
      heap_used: b.heapUsed,
      heap_free: b.heapFree,
      external: b.external,
      native: b.native,
      cli_opaque: b.cliOpaque,
      mcp_server: b.mcpServer,
      tool: b.tool,
      subagent: b.subagent,
      other: b.other,
      total: bucketTotal(b),
    },
    context: { history_items: session.totals.historyItems, retained_tool_result_bytes: session.totals.retained.totalBytes },
  };
}

function timelineFigures(session: Session): TimelineFigures {
  const points = downsample(session.timeline.snapshot(), MAX_TIMELINE_POINTS);
  return {
    fields: ['t_ms', 'tree_rss', 'root_rss', 'heap_used', 'processes'],
    points: points.map((p) => [Math.round(p.t - session.start), p.treeRss, p.rootRss, p.heapUsed, p.processes]),
  };
}
