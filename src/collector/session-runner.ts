// One live session inside the collector: reads the agents' channel, samples the process tree,
// serves its metrics while it runs, and when the run is over writes the record first, then tells
// the wrapper, then hands the final figures to the delivery queue. Whatever fails here, the CLI
// does not notice, and the other sessions of the shared collector go on.
import * as path from 'node:path';
import type { PackageIdentity } from '../channel/protocol';
import { ChannelReader } from '../channel/reader';
import { type Config, parseConfig } from '../config';
import { SESSION, type SessionMode } from '../contracts/session-layout';
import type { Telemetry } from '../export/telemetry';
import { commandPackage, resolveIdentity, type RunIdentity } from '../session/identity';
import { createLinuxProcReader } from '../session/proc-reader';
import type { RunRecord } from '../contracts/run-record';
import { buildRecord, type ObserverFigures, type RunEnd } from '../session/record';
import { Session } from '../session/session';
import type { FinalDelivery } from '../export/final-delivery';
import { processExists, readExit, readPidFile } from './end-watch';
import { writeWhole } from './session-dir';
import { droppedInputLine, summaryLine } from './summary';
import type { SessionNotices } from './notices';
import { writeRecordSafely } from './record-writer';
import { BackendWatch } from './backend-watch';
import { type CheckpointReason, takeOver, writeCheckpoint } from './checkpoint-file';

export interface SessionInfo {
  dir: string;
  id: string;
  mode: SessionMode;
  rootPid: number;
  command: string | null;
  /** When the session began (the wrapper wrote session.env as it started the CLI). */
  startedMs: number;
  env: Record<string, string>;
}

export interface RunnerHooks {
  notices: SessionNotices;
  /** Called once the record is written: the wrapper may return now. */
  onRecorded(runner: SessionRunner): void;
  /** Then the final figures to deliver in the background (null: nothing to deliver). */
  onDelivery(runner: SessionRunner, delivery: FinalDelivery | null): void;
  /** The collector's own pid and cost, for the record's observer figures. */
  observer(): { pid: number; hwmBytes: number; rssBytes: number };
}

/** How long to wait for the root CLI process to say who it is before labelling the figures. */
const IDENTITY_WAIT_MS = 300;
/** How soon a newly seen process is sampled again (see tick). */
const NEWCOMER_RESAMPLE_MS = 50;
const SPAN_EXPORT_EVERY_MS = 5000;
/**
 * A checkpoint costs a JSON of the session's processes (~2-3 KB each) and one rename; every 2 s
 * a killed collector costs the run at most 2 s of process-tree samples (agents' lines are kept).
 */
const CHECKPOINT_EVERY_MS = 2000;
/** At the end, how long the backends' reachability checks may still take (see BackendWatch.settled). */
const BACKEND_CHECK_WAIT_MS = 200;
/** At the end, polls of the agents' lines left (each bounded): what is still unread then is counted. */
const MAX_DRAIN_POLLS = 100;

export class SessionRunner {
  readonly config: Config;
  readonly session: Session;
  private readonly reader: ChannelReader;
  private telemetry: Telemetry | null = null;
  private telemetryStart: Promise<Telemetry | null> | null = null;
  private identity: RunIdentity | null = null;
  private timer: NodeJS.Timeout | null = null;
  private followUp: NodeJS.Timeout | null = null;
  private knownCliPid: number | null = null;
  private proxyKnown = false;
  private lastSpanExport = Date.now();
  private finishAt: number | null = null;
  private ending = false;
  private lastCheckpoint = Date.now();
  private backends: BackendWatch | null = null;
  /** This session's share of the shared collector's cost (see observeCollector). */
  private readonly collectorShare = { cpuMs: 0, rssPeak: 0, sessionsPeak: 1 };

  constructor(
    readonly info: SessionInfo,
    private readonly hooks: RunnerHooks,
  ) {
    const { config, problems } = parseConfig(info.env);
    this.config = config;
    for (const line of problems) hooks.notices.say(line);
    const collectorPid = hooks.observer().pid;
    this.session = new Session(
      {
        id: info.id,
        start: info.startedMs,
        rootPid: info.rootPid,
        rootIsObserver: info.mode === 'run',
        cliPid: () => this.cliPid(),
        observerPids: new Set(info.mode === 'run' ? [collectorPid, info.rootPid] : [collectorPid]),
        timelinePoints: config.timelinePoints,
        spanAttributes: { 'qwen_otel.session.id': info.id },
        onHeapPressure: () => this.writeRecord({ at: Date.now(), exitCode: null, signal: null, complete: false }),
      },
      createLinuxProcReader(),
    );
    this.reader = new ChannelReader(info.dir, true, this.session.drops);
  }

  /**
   * The collector serves every live session at once: each gets an equal share of the CPU it spent
   * while they were live together, and sees its RSS (the whole process's, shared by all of them).
   */
  observeCollector(cpuMs: number, rss: number, liveSessions: number): void {
    this.collectorShare.cpuMs += cpuMs / Math.max(1, liveSessions);
    this.collectorShare.rssPeak = Math.max(this.collectorShare.rssPeak, rss);
    this.collectorShare.sessionsPeak = Math.max(this.collectorShare.sessionsPeak, liveSessions);
  }

  /** Whether the user was told, before the run returned, that nothing listens for these figures. */
  told(what: string): boolean {
    return this.backends?.told(what) ?? false;
  }

  get ended(): boolean {
    return this.ending;
  }

  start(): void {
    takeOver(this.info.dir, this.session, this.reader, this.hooks.notices);
    this.backends = new BackendWatch(this.config);
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.sampleIntervalMs);
    setTimeout(() => void this.startTelemetry(), IDENTITY_WAIT_MS).unref();
  }

  /** Looks now (a file in the session directory changed): the run may be over. */
  poke(): void {
    if (!this.ending && this.runOver()) void this.finish();
  }

  /** The collector is going away (hand-over to a newer one): checkpoint and stop without finishing. */
  stop(): void {
    if (!this.ending) this.checkpoint('handover');
    this.ending = true;
    this.clearTimers();
    this.reader.close();
    void this.telemetry?.close();
  }

  /** When the CLI ended: the wrapper's exit-code file says so in run mode; otherwise now. */
  runEndedAt(): number {
    const wrapperSaw = this.info.mode === 'run' ? (readExit(this.info.dir)?.at ?? null) : null;
    return wrapperSaw ?? this.finishAt ?? Date.now();
  }

  /** The run is over: the record first (it is what the wrapper waits for), then delivery. */
  async finish(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.finishAt = Date.now();
    this.clearTimers();
    this.poll(true);
    this.reader.countUnread();
    const now = Date.now();
    this.session.finish(now);
    const record = this.writeRecord({ at: now, exitCode: readExit(this.info.dir)?.code ?? null, signal: null, complete: true });
    if (this.config.summary && record) this.hooks.notices.say(summaryLine(record, this.config.recordFile));
    const dropped = record && droppedInputLine(record);
    if (dropped) this.hooks.notices.say(dropped);
    await this.backends?.settled(BACKEND_CHECK_WAIT_MS);
    for (const line of this.backends?.lines() ?? []) this.hooks.notices.say(line);
    this.reader.close();
    this.hooks.onRecorded(this);
    // After the wrapper was told: loading the exporters (a run shorter than their start) and
    // computing the push body must not delay the CLI's exit.
    let delivery: FinalDelivery | null = null;
    try {
      const telemetry = await this.startTelemetry();
      delivery = telemetry ? await telemetry.finalDelivery() : null;
    } catch (error) {
      this.hooks.notices.say(`qwen-otel: final figures not prepared: ${(error as Error).message}`);
    }
    this.hooks.onDelivery(this, delivery);
  }

  private clearTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.followUp) clearTimeout(this.followUp);
    this.timer = null;
    this.followUp = null;
  }

  /** Written by `qwen-otel run` as soon as it started the CLI. */
  /** Written by the wrapper before the CLI started (`--proxy`); read until known. */
  private noteProxy(): void {
    if (this.proxyKnown) return;
    const pid = readPidFile(path.join(this.info.dir, SESSION.proxyPid));
    if (pid === null) return;
    this.proxyKnown = true;
    this.session.setProxy(pid);
  }

  private cliPid(): number | null {
    this.knownCliPid ??= readPidFile(path.join(this.info.dir, SESSION.cliPid));
    return this.knownCliPid;
  }

  private tick(): void {
    if (this.ending) return;
    try {
      this.poll();
      this.session.sampleTree(Date.now());
    } catch (error) {
      this.hooks.notices.log(`qwen-otel: session ${this.info.id}: sampling failed: ${(error as Error).message}`);
    }
    // A process just started (or forked, not yet exec'd), or young and without an agent, is
    // looked at again soon: a tool or a CLI's native binary in a one-second run would otherwise
    // grow and end between two samples (VmHWM cannot be read once it has exited).
    if (this.session.tree.hasNewcomers(Date.now()) && !this.followUp) {
      this.followUp = setTimeout(() => {
        this.followUp = null;
        this.tick();
      }, NEWCOMER_RESAMPLE_MS);
    }
    if (this.telemetry && Date.now() - this.lastSpanExport >= SPAN_EXPORT_EVERY_MS) {
      this.lastSpanExport = Date.now();
      this.telemetry.sendSpans();
    }
    if (Date.now() - this.lastCheckpoint >= CHECKPOINT_EVERY_MS) this.checkpoint('periodic');
    if (this.runOver()) void this.finish();
  }

  /** Writes the session's state for a collector that may have to take over, then frees read segments. */
  private checkpoint(reason: CheckpointReason): void {
    this.lastCheckpoint = Date.now();
    writeCheckpoint(this.info.dir, { ...this.session.toCheckpoint(this.reader.positions()), reason });
    this.reader.retireRead();
  }

  /** The wrapper wrote the exit code, or the root is gone (a zombie counts: the tree ended it). */
  private runOver(): boolean {
    const { mode, rootPid, dir } = this.info;
    if (readExit(dir) !== null) return true;
    if (!processExists(rootPid)) return true;
    return mode === 'sidecar' && !this.session.tree.live.has(rootPid) && this.session.processes().some((p) => p.pid === rootPid);
  }

  /** `drain`: poll again while a bound stopped the last poll (at most MAX_DRAIN_POLLS times). */
  private poll(drain = false): void {
    this.noteProxy();
    for (let polls = 0; polls < (drain ? MAX_DRAIN_POLLS : 1); polls += 1) {
      const now = Date.now();
      for (const { pid, messages } of this.reader.poll()) this.session.apply(pid, messages, now);
      if (!this.reader.behind) return;
    }
  }

  /** Started once (its loading waits for the CLI's identity); every caller shares the same start. */
  private startTelemetry(): Promise<Telemetry | null> {
    this.telemetryStart ??= this.loadTelemetry();
    return this.telemetryStart;
  }

  private async loadTelemetry(): Promise<Telemetry | null> {
    this.identity = this.resolveIdentity();
    try {
      // Loaded lazily: the first tree samples do not wait for the exporters.
      const { startTelemetry } = require('../export/telemetry') as typeof import('../export/telemetry');
      this.telemetry = await startTelemetry({
        session: this.session,
        identity: this.identity,
        config: this.config,
        refresh: () => {
          if (!this.ending) this.tick();
        },
        notice: (line) => this.hooks.notices.say(line),
        log: (line) => this.hooks.notices.log(line),
      });
      if (this.telemetry.metricsUrl) writeWhole(path.join(this.info.dir, SESSION.metricsUrl), this.telemetry.metricsUrl);
      this.session.listen(this.telemetry.listener);
    } catch (error) {
      this.hooks.notices.say(`qwen-otel: export not started: ${(error as Error).message}`);
    }
    return this.telemetry;
  }

  private resolveIdentity(): RunIdentity {
    this.poll();
    const agents = this.session.processes().filter((p) => p.hello?.cli);
    const root = agents.find((p) => p.role === 'cli') ?? agents[0];
    const pkg: PackageIdentity | null = root?.hello?.cli ?? commandPackage(this.info.command);
    return resolveIdentity(this.config, pkg, this.info.command);
  }

  private observerFigures(): ObserverFigures {
    const own = this.hooks.observer();
    return {
      mode: this.info.mode,
      finishAt: this.finishAt,
      runEndedAt: this.finishAt === null ? null : Math.round(this.runEndedAt()),
      collectorPid: own.pid,
      collectorHwmBytes: own.hwmBytes,
      collectorRssPeakBytes: Math.max(this.collectorShare.rssPeak, own.rssBytes),
      collectorCpuMs: Math.round(this.collectorShare.cpuMs),
      collectorSessionsPeak: this.collectorShare.sessionsPeak,
    };
  }

  private writeRecord(end: RunEnd): RunRecord | null {
    try {
      const identity = this.identity ?? this.resolveIdentity();
      const record = buildRecord(this.session, identity, end, this.observerFigures());
      writeRecordSafely(this.config.recordFile, record, this.hooks.notices);
      return record;
    } catch (error) {
      this.hooks.notices.say(`qwen-otel: run record not built: ${(error as Error).message}`);
      return null;
    }
  }
}
