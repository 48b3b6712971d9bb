// The collector's state for one run: every process, the tree's samples and peaks, the bounded
// timeline, spans and accounting. Fed by the tree sampler and the agents' messages.
import { randomBytes } from 'node:crypto';
import { type InputDrops, noDrops } from '../channel/reader';
import type { AgentMessage, HookMessage } from '../channel/protocol';
import { PROCESS_ROLES, type ProcessRole } from '../config';
import { AccountingFeed, type SessionListener } from './accounting-feed';
import { type AccountingTotals, emptyTotals } from './accounting';
import { CHECKPOINT_SCHEMA, type SessionCheckpoint } from './checkpoint';
import { breakdown, type Buckets, emptyBuckets } from './diagnosis';
import { applyHeapProfile } from './heap-profile';
import { Lifecycle } from './lifecycle';
import { LineProcesses } from './line-processes';
import { addHosts } from './traffic-accounting';
import type { ProcReader } from './proc-reader';
import { applyFinal, applySample, isAlive, isInstrumented, type ProcessEntry, toolsEndedAt } from './process-table';
import { closeProcessSpan } from './process-spans';
import { type MemoryPoint, SpanBook, type SpanRecord } from './spans';
import { Timeline, type TimelinePoint } from './timeline';
import type { SessionView } from './view';
import { PssTracker } from './pss';
import { type TreeSample, TreeSampler } from './tree-sampler';

export type { SessionListener } from './accounting-feed';

export interface SessionOptions {
  id: string;
  start: number;
  rootPid: number;
  rootIsObserver: boolean;
  /** With rootIsObserver: the CLI's pid, once the wrapper has written it. */
  cliPid?: () => number | null;
  observerPids: Set<number>;
  timelinePoints: number;
  spanAttributes: Record<string, string>;
  /** A process's heap neared its limit: the run record should be written now. */
  onHeapPressure?: (entry: ProcessEntry) => void;
}

/** Spans for processes we only saw from outside are capped (a build can spawn thousands). */
const MAX_OUTSIDE_PROCESS_SPANS = 1000;

export class Session implements SessionView {
  traceId = randomBytes(16).toString('hex');
  readonly tree: TreeSampler;
  readonly timeline: Timeline;
  readonly spans: SpanBook;
  readonly totals: AccountingTotals = emptyTotals();
  readonly pss: PssTracker;
  latest: TreeSample | null = null;
  /** ms since the epoch: the collector's start, or the first process's if that was earlier. */
  start: number;
  peak = { sampled: 0, at: 0, buckets: emptyBuckets() as Buckets, processes: 0 };
  /** When the session was finished (ms since the epoch), null while it runs. */
  ended: number | null = null;
  /** The best lower bound on the tree's peak: sampled sums, and high-water marks between samples. */
  peakBound = 0;
  readonly rolePeaks = Object.fromEntries(PROCESS_ROLES.map((r) => [r, 0])) as Record<ProcessRole, number>;
  snapshots = 0;
  /** Input the collector could not use: invalid or overlong lines, files and processes past their bounds. */
  readonly drops: InputDrops = noDrops();
  /** Collectors that took this session over from a checkpoint (0: one collector saw it all). */
  restarts = 0;
  /** When the checkpoint this session was restored from was taken, or null. */
  restoredFrom: number | null = null;
  private readonly closed: ProcessEntry[] = [];
  private readonly closedByPid = new Map<number, ProcessEntry>();
  private outsideSpans = 0;
  private readonly fromLines: LineProcesses;
  private proxyPid: number | null = null;
  private readonly lifecycle: Lifecycle;
  private readonly feed: AccountingFeed;

  constructor(
    readonly options: SessionOptions,
    reader: ProcReader,
  ) {
    this.start = options.start;
    this.fromLines = new LineProcesses(this.drops);
    const newSpanId = (): string => randomBytes(8).toString('hex');
    this.tree = new TreeSampler({ ...options, newSpanId }, reader);
    this.pss = new PssTracker(reader.smapsRollup?.bind(reader));
    this.timeline = new Timeline(options.timelinePoints);
    this.spans = new SpanBook(newSpanId, options.start, options.spanAttributes);
    this.lifecycle = new Lifecycle(this.spans, {
      toolsEndedAt: (entry, from, to) => toolsEndedAt(this.processes(), entry, from, to),
      onCompression: () => (this.totals.compressions += 1),
      onSubagent: () => (this.totals.subagents += 1),
    });
    this.feed = new AccountingFeed(this.totals, this.lifecycle, this.drops);
  }

  listen(listener: SessionListener): void {
    this.feed.listen(listener);
  }

  /** A sample, unless nothing in the tree can have changed since the last (TreeSampler.quiet). */
  sampleTreeUnlessQuiet(now: number): TreeSample | null {
    return this.tree.quiet(now) ? null : this.sampleTree(now);
  }

  sampleTree(now: number): TreeSample {
    const agentPids = [...this.tree.live.values()].filter(isInstrumented).map((e) => e.pid);
    const sample = this.tree.sample(now, agentPids);
    this.latest = sample;
    for (const entry of this.tree.ended.splice(0)) this.closeProcess(entry);
    this.peakBound = Math.max(this.peakBound, sample.total, sample.hwmBound, ...sample.alive.map((e) => e.hwm));
    if (sample.total > this.peak.sampled) {
      this.peak = { sampled: sample.total, at: now, buckets: breakdown(sample.alive), processes: sample.count };
    }
    for (const role of PROCESS_ROLES) this.rolePeaks[role] = Math.max(this.rolePeaks[role], sample.byRole[role].rss);
    this.pss.observe(now, sample);
    const heapUsed = sample.alive.reduce((sum, e) => sum + (e.latest?.mem.heapUsed ?? 0), 0);
    this.timeline.add({ t: now, treeRss: sample.total, rootRss: sample.rootRss, heapUsed, processes: sample.count });
    return sample;
  }

  /** The loopback proxy's process: not the CLI's, its model traffic lines are the CLI's (see onProxy). */
  setProxy(pid: number): void {
    this.options.observerPids.add(pid);
    this.proxyPid = pid;
    this.totals.requestsSeenBy.proxy ??= 0;
  }

  apply(pid: number, messages: AgentMessage[], now: number): void {
    if (pid === this.proxyPid) {
      const cliPid = this.options.cliPid?.() ?? null;
      this.feed.fromProxy(cliPid === null ? null : this.tree.entryFor(cliPid, now), messages);
      return;
    }
    if (messages[0]?.k === 'hook') {
      for (const m of messages) if (m.k === 'hook') this.onHook(m);
      return;
    }
    // A process already closed (it ended before its last lines were read) takes them still.
    const closed = messages[0]?.k === 'hello' ? undefined : this.closedByPid.get(pid);
    const entry = this.tree.live.get(pid) ?? closed ?? (this.fromLines.admit(pid) ? this.tree.entryFor(pid, now) : null);
    if (!entry) return;
    for (const message of messages) {
      try {
        this.applyOne(entry, message);
      } catch {
        // Never fatal: a message that passed the schema and still cannot be applied is counted.
        this.drops.lines += 1;
      }
    }
  }

  /** The session's figures as plain data (the reader's positions are added by the caller). */
  toCheckpoint(channel: SessionCheckpoint['channel']): SessionCheckpoint {
    const { traceId, start, peak, peakBound, rolePeaks, snapshots, drops, totals, restarts } = this;
    const live = [...this.tree.live.values()];
    return {
      schema: CHECKPOINT_SCHEMA,
      at: Date.now(),
      traceId,
      start,
      peak,
      peakBound,
      rolePeaks,
      snapshots,
      drops,
      fromLines: this.fromLines.count,
      totals,
      restarts,
      pss: this.pss.figures,
      live,
      closed: this.closed,
      timeline: this.timeline.snapshot(),
      walk: this.tree.walkState(),
      channel,
    };
  }

  /** Takes over a session a previous collector checkpointed (before any sample or message). */
  restore(c: SessionCheckpoint): void {
    Object.assign(this, { traceId: c.traceId, start: c.start, peak: c.peak, peakBound: c.peakBound, snapshots: c.snapshots });
    this.fromLines.count = c.fromLines ?? 0;
    // A checkpoint of an older collector counted only the lines it could not use.
    Object.assign(this.drops, c.drops ?? { lines: c.malformed ?? 0 });
    Object.assign(this.rolePeaks, c.rolePeaks);
    Object.assign(this.totals, c.totals);
    if (c.pss) Object.assign(this.pss.figures, c.pss);
    this.restarts = c.restarts + 1;
    this.restoredFrom = c.at;
    this.spans.session.start = c.start;
    for (const entry of c.closed) {
      this.closed.push(entry);
      this.closedByPid.set(entry.pid, entry);
    }
    for (const point of c.timeline) this.timeline.add(point);
    this.tree.restoreWalk(c.walk, c.live);
  }

  liveAgents(): ProcessEntry[] {
    return [...this.tree.live.values()].filter((e) => isAlive(e) && isInstrumented(e));
  }

  /** Every process seen, alive or ended. */
  processes(): ProcessEntry[] {
    return [...this.closed, ...this.tree.live.values()];
  }

  finish(now: number): void {
    this.ended = now;
    for (const entry of [...this.tree.live.values()]) this.tree.end(entry, now);
    for (const entry of this.tree.ended.splice(0)) this.closeProcess(entry);
    for (const entry of this.processes()) this.lifecycle.settle(entry);
    this.spans.closeOpen(null, now);
    const points = this.timeline.snapshot();
    const first = points[0];
    const last = points[points.length - 1];
    const point = (p: TimelinePoint | undefined): MemoryPoint =>
      p ? { rss: p.rootRss, heapUsed: p.heapUsed, treeRss: p.treeRss } : { treeRss: null };
    this.spans.closeWith(this.spans.session, now, point(first), point(last));
  }

  private applyOne(entry: ProcessEntry, message: AgentMessage): void {
    switch (message.k) {
      case 'hello':
        entry.hello = message;
        this.noteStart(message.origin);
        this.tree.adopt(entry, message.ppid);
        if (message.role) entry.role = message.role;
        break;
      case 'sample':
        applySample(entry, message);
        // Only the GC pairs are told: a burst kept for a listener not there yet holds no whole samples.
        if (message.gc.length > 0) {
          const { gc } = message;
          this.feed.tell((l) => l.onGc(entry, gc));
        }
        break;
      case 'start':
        this.spans.start(entry.pid, message, entry.spanId);
        break;
      case 'end':
        this.spans.end(entry.pid, message);
        break;
      case 'account':
        this.feed.account(entry, message);
        break;
      case 'pressure':
        entry.pressure = true;
        this.options.onHeapPressure?.(entry);
        break;
      case 'snapshot':
        this.snapshots += 1;
        break;
      case 'heap_profile':
        entry.heapProfile = applyHeapProfile(entry.heapProfile, message);
        break;
      case 'model_request':
        this.feed.request(entry, message);
        break;
      case 'model_response':
        this.feed.response(entry, message);
        break;
      case 'http':
        addHosts(this.totals, message.hosts);
        break;
      case 'final':
        applyFinal(entry, message);
        if (message.last) {
          this.lifecycle.settle(entry);
          this.spans.closeOpen(entry.pid, message.t);
          this.tree.endAgentOnly(entry, message.t);
        }
        break;
    }
  }

  /** A hook process's line belongs to the CLI process that ran the hook: its nearest instrumented ancestor. */
  private onHook(m: HookMessage): void {
    let pid = this.tree.live.has(m.ppid) || this.closedByPid.has(m.ppid) || !m.gppid ? m.ppid : m.gppid;
    for (let depth = 0; depth < 8; depth += 1) {
      const entry = this.tree.live.get(pid) ?? this.closedByPid.get(pid);
      if (!entry) return;
      if (entry.hello) {
        this.lifecycle.onHook(entry, m.event, m.t);
        return;
      }
      pid = entry.parentPid;
    }
  }

  /** The run starts with its first process, which may be older than the collector. */
  private noteStart(origin: number): void {
    if (origin > 0 && origin < this.start) {
      this.start = origin;
      this.spans.session.start = origin;
    }
  }

  /** Spans ready to export; tree RSS at a phase's edges comes from the nearest tree sample. */
  takeFinishedSpans(): SpanRecord[] {
    return this.spans.takeFinished((t) => this.timeline.nearest(t)?.treeRss ?? null);
  }

  private closeProcess(entry: ProcessEntry): void {
    this.closed.push(entry);
    this.closedByPid.set(entry.pid, entry);
    if (!isInstrumented(entry) && ++this.outsideSpans > MAX_OUTSIDE_PROCESS_SPANS) return;
    closeProcessSpan(this.spans, this.timeline, entry, this.parentSpanOf(entry), this.options.id);
  }

  private parentSpanOf(entry: ProcessEntry): string {
    const byPid = (pid: number): ProcessEntry | undefined => this.tree.live.get(pid) ?? this.closedByPid.get(pid);
    let parent = byPid(entry.parentPid);
    for (let depth = 0; parent && depth < 64; depth += 1) {
      if (isInstrumented(parent) || parent.role === 'cli') return parent.spanId;
      parent = byPid(parent.parentPid);
    }
    return this.spans.session.spanId;
  }
}
