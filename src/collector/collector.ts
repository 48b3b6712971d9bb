// The collector: beside the CLI (or as `qwen-otel run`'s companion) it reads the agents'
// channel, samples the process tree, serves and pushes metrics, exports traces and writes the
// run record. Whatever fails here, the CLI does not notice.
import { readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PackageIdentity } from '../channel/protocol';
import { ChannelReader } from '../channel/reader';
import type { Config } from '../config';
import { COLLECTOR_PID_FILE, COLLECTOR_READY_FILE } from '../agent/session-join';
import { appendRecord } from '../export/record-file';
import type { Telemetry } from '../export/telemetry';
import { commandPackage, resolveIdentity, type RunIdentity } from '../session/identity';
import { createLinuxProcReader } from '../session/proc-reader';
import { buildRecord, type ObserverFigures, type RunEnd } from '../session/record';
import { Session } from '../session/session';
import { EXIT_CODE_FILE, fileTime, processExists, readExitCode, readPidFile } from './end-watch';
import { summaryLine } from './summary';

export interface CollectorOptions {
  sessionDir: string;
  sessionId: string;
  rootPid: number;
  mode: 'run' | 'sidecar';
  command: string | null;
  startedMs: number;
}

/** How long to wait for the root CLI process to say who it is before labelling the figures. */
const IDENTITY_WAIT_MS = 300;
/** How soon a newly seen process is sampled again (see tick). */
const NEWCOMER_RESAMPLE_MS = 50;
export const METRICS_URL_FILE = 'metrics.url';
const CLI_PID_FILE = 'cli.pid';
const SPAN_EXPORT_EVERY_MS = 5000;
/** The record is written first; pushes and traces must be done well inside the 500 ms hard stop. */
const DELIVERY_CEILING_MS = 380;
/** Loading the OpenTelemetry exporters takes about this long: not worth starting with less time left. */
const TELEMETRY_LOAD_MS = 150;

export class Collector {
  private readonly reader: ChannelReader;
  private readonly session: Session;
  private telemetry: Telemetry | null = null;
  private identity: RunIdentity | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ending = false;
  private finishAt: number | null = null;
  private lastSpanExport = Date.now();
  private onRootGone: () => void = () => undefined;

  constructor(
    private readonly options: CollectorOptions,
    private readonly config: Config,
    private readonly notice: (line: string) => void,
  ) {
    this.reader = new ChannelReader(options.sessionDir);
    this.session = new Session(
      {
        id: options.sessionId,
        start: options.startedMs,
        rootPid: options.rootPid,
        rootIsObserver: options.mode === 'run',
        cliPid: () => this.cliPid(),
        observerPids: new Set(options.mode === 'run' ? [process.pid, options.rootPid] : [process.pid]),
        timelinePoints: config.timelinePoints,
        spanAttributes: { 'qwen_otel.session.id': options.sessionId },
        onHeapPressure: () => this.writeRecord({ at: Date.now(), exitCode: null, signal: null, complete: false }),
      },
      createLinuxProcReader(),
    );
  }

  /** `onRootGone` is called when a tick sees the run over (the root gone, or the wrapper's exit code). */
  start(onRootGone: () => void): void {
    this.onRootGone = onRootGone;
    writeFileSync(path.join(this.options.sessionDir, COLLECTOR_PID_FILE), String(process.pid));
    writeFileSync(path.join(this.options.sessionDir, COLLECTOR_READY_FILE), '');
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.sampleIntervalMs);
    setTimeout(() => void this.startTelemetry(), IDENTITY_WAIT_MS);
  }

  /** Called when the run is over (wrapper signal, root gone, or we were told to stop). */
  async finish(exitCode: number | null): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.finishAt = Date.now();
    if (this.timer) clearInterval(this.timer);
    if (this.followUp) clearTimeout(this.followUp);
    this.poll();
    const now = Date.now();
    this.session.finish(now);
    const end: RunEnd = { at: now, exitCode, signal: null, complete: true };
    const record = this.writeRecord(end);
    if (this.config.summary && record) this.notice(summaryLine(record, this.config.recordFile));
    // Delivery gets the configured budget, but ends before the collector's hard stop, counted
    // from when the CLI ended (a CLI shorter than the collector's own start-up ended earlier).
    const left = (): number => DELIVERY_CEILING_MS - (Date.now() - this.runEndedAt());
    if (!this.telemetry && left() < TELEMETRY_LOAD_MS) {
      this.notice('qwen-otel: final figures not pushed or traced: the run ended before the exporters were up (the record is written)');
    } else {
      const telemetry = await this.startTelemetry();
      const problems = telemetry ? await telemetry.deliverFinal(Math.max(20, Math.min(this.config.exitTimeoutMs, left()))) : [];
      for (const line of problems) this.notice(line);
    }
    this.reader.close();
    removeSessionDir(this.options.sessionDir);
  }

  private knownCliPid: number | null = null;
  private followUp: NodeJS.Timeout | null = null;

  /** Written by `qwen-otel run` as soon as it started the CLI. */
  private cliPid(): number | null {
    this.knownCliPid ??= readPidFile(path.join(this.options.sessionDir, CLI_PID_FILE));
    return this.knownCliPid;
  }

  /** When the CLI ended: the wrapper's exit-code file says so in run mode; otherwise now. */
  runEndedAt(): number {
    return (this.options.mode === 'run' ? fileTime(path.join(this.options.sessionDir, EXIT_CODE_FILE)) : null) ?? this.finishAt ?? Date.now();
  }

  exitCodeFromWrapper(): number | null {
    return readExitCode(this.options.sessionDir);
  }

  private tick(): void {
    if (this.ending) return;
    this.poll();
    this.session.sampleTree(Date.now());
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
    if (this.runOver()) this.onRootGone();
  }

  /** The wrapper wrote the exit code, or the root is gone (a zombie counts: the tree ended it). */
  private runOver(): boolean {
    const { mode, rootPid } = this.options;
    if (mode === 'run' && this.exitCodeFromWrapper() !== null) return true;
    if (!processExists(rootPid)) return true;
    return mode === 'sidecar' && !this.session.tree.live.has(rootPid) && this.session.processes().some((p) => p.pid === rootPid);
  }

  private poll(): void {
    const now = Date.now();
    for (const { pid, messages } of this.reader.poll()) this.session.apply(pid, messages, now);
  }

  private telemetryStart: Promise<Telemetry | null> | null = null;

  /** Started once (its loading waits for the CLI's identity); every caller shares the same start. */
  private startTelemetry(): Promise<Telemetry | null> {
    this.telemetryStart ??= this.loadTelemetry();
    return this.telemetryStart;
  }

  private async loadTelemetry(): Promise<Telemetry | null> {
    this.identity = this.resolveIdentity();
    try {
      // Loaded lazily: the first tree samples do not wait for the OpenTelemetry SDK (~100 ms).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startTelemetry } = require('../export/telemetry') as typeof import('../export/telemetry');
      this.telemetry = await startTelemetry({
        session: this.session,
        identity: this.identity,
        config: this.config,
        refresh: () => {
          if (!this.ending) this.tick();
        },
        notice: this.notice,
      });
      // Where this session serves its metrics, for scripts and the bench harness.
      // Written whole, then renamed: a reader never sees the file empty.
      if (this.telemetry.metricsUrl) writeWhole(path.join(this.options.sessionDir, METRICS_URL_FILE), this.telemetry.metricsUrl);
      this.session.listen(this.telemetry.listener);
      // Run the record's code once now, while the CLI runs, so the exit path does not pay for
      // compiling it (~2 ms, measured).
      buildRecord(this.session, this.identity, { at: Date.now(), exitCode: null, signal: null, complete: false }, this.observerFigures());
    } catch (error) {
      this.notice(`qwen-otel: export not started: ${(error as Error).message}`);
    }
    return this.telemetry;
  }

  private resolveIdentity(): RunIdentity {
    this.poll();
    const agents = this.session.processes().filter((p) => p.hello?.cli);
    const root = agents.find((p) => p.role === 'cli') ?? agents[0];
    const pkg: PackageIdentity | null = root?.hello?.cli ?? commandPackage(this.options.command);
    return resolveIdentity(this.config, pkg, this.options.command);
  }

  private observerFigures(): ObserverFigures {
    const usage = process.resourceUsage();
    return {
      mode: this.options.mode,
      finishAt: this.finishAt,
      runEndedAt: this.finishAt === null ? null : Math.round(this.runEndedAt()),
      collectorHwmBytes: usage.maxRSS * 1024,
      collectorCpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    };
  }

  private writeRecord(end: RunEnd): Record<string, unknown> | null {
    const identity = this.identity ?? this.resolveIdentity();
    const record = buildRecord(this.session, identity, end, this.observerFigures());
    if (!this.config.recordFile) return record;
    try {
      appendRecord(this.config.recordFile, record);
    } catch (error) {
      this.notice(`qwen-otel: run record not written to ${this.config.recordFile}: ${(error as Error).message}`);
    }
    return record;
  }
}

/** Only our own files are in there: unlinking them is cheaper than a recursive rm (~2 ms). */
function removeSessionDir(dir: string): void {
  try {
    for (const name of readdirSync(dir)) unlinkSync(path.join(dir, name));
    rmdirSync(dir);
  } catch {
    // A late writer or a concurrent cleanup: the temporary directory is left to the system.
  }
}

function writeWhole(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
