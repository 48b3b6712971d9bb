// One live session inside the collector: reads the agents' channel, samples the process tree,
// serves its metrics while it runs, and when the run is over writes the record first, then tells
// the wrapper, then hands the final figures to the delivery queue. Whatever fails here, the CLI
// does not notice, and the other sessions of the shared collector go on.
import * as path from 'node:path';
import type { PackageIdentity } from '../channel/protocol';
import { ChannelFeed } from './channel-feed';
import { type CollectorOwnCost, CollectorShare } from './collector-share';
import { type Config, parseConfig } from '../config';
import { SESSION, type SessionMode } from '../contracts/session-layout';
import type { Telemetry } from '../export/telemetry';
import { commandPackage, resolveIdentity, type RunIdentity } from '../session/identity';
import { createLinuxProcReader } from '../session/proc-reader';
import type { RunRecord } from '../contracts/run-record';
import { buildRecord, type RunEnd } from '../session/record';
import { Session } from '../session/session';
import type { FinalDelivery } from '../export/final-delivery';
import { ExitListingPacer, processExists, readExit, readPidFile } from './end-watch';
import { writeWhole } from './session-dir';
import { droppedInputLine, summaryLine } from './summary';
import type { SessionNotices } from './notices';
import { writeRecordSafely } from './record-writer';
import { BackendWatch } from './backend-watch';
import { CheckpointPacer, type CheckpointReason, takeOver, writeCheckpoint } from './checkpoint-file';

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
  observer(): CollectorOwnCost;
}

/** How long to wait for the root CLI process to say who it is before labelling the figures. */
const IDENTITY_WAIT_MS = 300;
/** How soon a newly seen process is sampled again (see tick). */
const NEWCOMER_RESAMPLE_MS = 50;
const SPAN_EXPORT_EVERY_MS = 5000;
/** At the end, how long the backends' reachability checks may still take (see BackendWatch.settled). */
const BACKEND_CHECK_WAIT_MS = 200;

export class SessionRunner {
  readonly config: Config;
  readonly session: Session;
  private readonly channel: ChannelFeed;
  private telemetry: Telemetry | null = null;
  private telemetryStart: Promise<Telemetry | null> | null = null;
  private identity: RunIdentity | null = null;
  private timer: NodeJS.Timeout | null = null;
  private followUp: NodeJS.Timeout | null = null;
  private knownCliPid: number | null = null;
  private proxyKnown = false;
  private readonly exitListing = new ExitListingPacer();
  private lastSpanExport = Date.now();
  private spansSent = 0;
  private finishAt: number | null = null;
  private ending = false;
  private readonly checkpoints = new CheckpointPacer();
  private backends: BackendWatch | null = null;
  private readonly collectorShare = new CollectorShare();

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
    this.channel = new ChannelFeed(info.dir, this.session);
  }

  /** What the shared collector spent since the last call (see CollectorShare). */
  observeCollector(cpuMs: number, rss: number, liveSessions: number): void {
    this.collectorShare.observe(cpuMs, rss, liveSessions);
  }

  /** Whether the user was told, before the run returned, that nothing listens for these figures. */
  told(what: string): boolean {
    return this.backends?.told(what) ?? false;
  }

  get ended(): boolean {
    return this.ending;
  }

  start(): void {
    takeOver(this.info.dir, this.session, this.channel.reader, this.hooks.notices);
    this.backends = new BackendWatch(this.config);
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.sampleIntervalMs);
    setTimeout(() => void this.startTelemetry(), IDENTITY_WAIT_MS).unref();
  }

  /** The session directory is watched (or no longer is): see ChannelFeed. */
  watchingChannel(watched: boolean): void {
    this.channel.watching(watched);
    this.exitListing.watching(watched);
  }

  channelChanged(): void {
    this.channel.changed();
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
    this.channel.reader.close();
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
    this.channel.reader.countUnread();
    const now = Date.now();
    this.session.finish(now);
    const record = this.writeRecord({ at: now, exitCode: readExit(this.info.dir)?.code ?? null, signal: null, complete: true });
    if (this.config.summary && record) this.hooks.notices.say(summaryLine(record, this.config.recordFile));
    const dropped = record && droppedInputLine(record);
    if (dropped) this.hooks.notices.say(dropped);
    await this.backends?.settled(BACKEND_CHECK_WAIT_MS);
    for (const line of this.backends?.lines() ?? []) this.hooks.notices.say(line);
    this.channel.reader.close();
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

  /**
   * Written by the wrapper before the CLI started (`--proxy`), so before session.env, which the
   * collector waits for: one read tells. (Read at every tick, its absence cost an idle collector a
   * failed open every 500 ms.)
   */
  private noteProxy(): void {
    if (this.proxyKnown) return;
    this.proxyKnown = true;
    const pid = readPidFile(path.join(this.info.dir, SESSION.proxyPid));
    if (pid !== null) this.session.setProxy(pid);
  }

  private cliPid(): number | null {
    this.knownCliPid ??= readPidFile(path.join(this.info.dir, SESSION.cliPid));
    return this.knownCliPid;
  }

  private tick(): void {
    if (this.ending) return;
    try {
      this.noteProxy();
      this.channel.pollIfDue(Date.now());
      this.session.sampleTreeUnlessQuiet(Date.now());
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
      this.spansSent += this.telemetry.sendSpans();
    }
    if (this.checkpoints.due(Date.now(), this.changeMark())) this.checkpoint('periodic');
    if (this.runOver(this.exitListing.due(Date.now()))) void this.finish();
  }

  /** Writes the session's state for a collector that may have to take over, then frees read segments. */
  private checkpoint(reason: CheckpointReason): void {
    writeCheckpoint(this.info.dir, { ...this.session.toCheckpoint(this.channel.reader.positions()), reason });
    this.channel.reader.retireRead();
  }

  /** The wrapper wrote the exit code, or the root is gone (a zombie counts: the tree ended it). */
  private runOver(listExitFile = true): boolean {
    const { mode, rootPid, dir } = this.info;
    if (listExitFile && readExit(dir) !== null) return true;
    if (!processExists(rootPid)) return true;
    return mode === 'sidecar' && !this.session.tree.live.has(rootPid) && this.session.processes().some((p) => p.pid === rootPid);
  }

  /**
   * What a checkpoint would hold that the last one did not: lines read, processes, the peak (by
   * the MiB: an idle CLI's creeps by pages), spans handed to the exporter (a checkpoint still
   * holding them would have a collector that takes over send them again).
   */
  private changeMark(): string {
    const { messagesRead } = this.channel;
    return `${messagesRead} ${this.session.tree.live.size} ${Math.floor(this.session.peakBound / 1048576)} ${this.spansSent}`;
  }

  private poll(drain = false): void {
    this.noteProxy();
    this.channel.poll(drain);
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

  private writeRecord(end: RunEnd): RunRecord | null {
    try {
      const identity = this.identity ?? this.resolveIdentity();
      const runEndedAt = this.finishAt === null ? null : Math.round(this.runEndedAt());
      const observer = this.collectorShare.figures(this.hooks.observer(), this.info.mode, this.finishAt, runEndedAt);
      const record = buildRecord(this.session, identity, end, observer);
      writeRecordSafely(this.config.recordFile, record, this.hooks.notices);
      return record;
    } catch (error) {
      this.hooks.notices.say(`qwen-otel: run record not built: ${(error as Error).message}`);
      return null;
    }
  }
}
