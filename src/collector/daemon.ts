// The collector process: one per user and machine, shared by every session (or, when no private
// state directory can be had, one for a single session). It finds sessions as their directories
// appear, runs each until its CLI ends, writes the record, tells the waiting wrapper, delivers
// the final figures in the background, and leaves when nothing has been left to do for a while.
import { existsSync, readdirSync, readFileSync, statSync, type FSWatcher, watch } from 'node:fs';
import * as path from 'node:path';
import { parseSessionEnv } from '../contracts/session-env';
import { EXIT_FILE, SESSION, SESSION_META, type SessionMode } from '../contracts/session-layout';
import type { FinalDelivery } from '../export/final-delivery';
import { deliverFinal } from './delivery';
import { tellWrapper } from './handshake';
import { SessionNotices, type NoticeSinks } from './notices';
import { removeSessionDir } from './session-dir';
import { SessionRunner, type SessionInfo } from './session-runner';
import type { Spool } from './spool';

export interface CollectorOptions {
  /** The folder whose sub-directories are sessions (the state directory's `sessions`), or null. */
  sessionsDir: string | null;
  /** With no sessions folder: the one session this collector serves. */
  singleSessionDir: string | null;
  sinks: NoticeSinks;
  spool: Spool | null;
  /** Leave after this long with no session and no delivery left. */
  lingerMs: number;
  /** Final figures are tried until this long after a run's end. */
  deliveryDeadlineMs: (runner: SessionRunner) => number;
  onIdle(): void;
  /** The folder's rescan periods (default: SCAN_EVERY_MS, SCAN_WATCHED_EVERY_MS); tests lengthen them. */
  rescanMs?: { waiting: number; watched: number };
}

/** Sessions served at once; past it a new session is told why it is not measured. */
const MAX_SESSIONS = 64;
/**
 * A scan of the sessions folder, besides the file-system events (which a network file system may
 * not send): every second while a session directory waits for its settings or nothing watches
 * the folder, else every 5 s (each wake-up of an idle collector costs it ~0.4 ms of CPU). A
 * directory waiting for its settings is watched itself: they are written after the CLI started,
 * and a run shorter than the rescan (`node -e 0`: ~100 ms) was adopted after it ended, so its
 * wrapper waited out the whole exit bound (680 ms against 260 ms with no collector running).
 */
const SCAN_EVERY_MS = 1000;
const SCAN_WATCHED_EVERY_MS = 5000;
/** A session directory without complete settings this long after it was made is abandoned. */
const ABANDONED_MS = 60_000;
/** How long a single-session collector waits for its session's settings to be written. */
const SINGLE_SESSION_WAIT_MS = 60_000;

export class Collector {
  private readonly runners = new Map<string, SessionRunner>();
  private readonly watchers = new Map<string, FSWatcher>();
  /** Session directories whose settings are not complete yet, watched until they are. */
  private readonly pending = new Map<string, FSWatcher>();
  private readonly refused = new Set<string>();
  private deliveries = 0;
  private lastBusy = Date.now();
  private scanTimer: NodeJS.Timeout | null = null;
  private folderWatcher: FSWatcher | null = null;
  private scanQueued = false;
  /** A session directory seen at the last scan still waits for its settings. */
  private waiting = false;
  /** A single-session collector leaves once its session is done, not before it began. */
  private servedAny = false;

  constructor(private readonly options: CollectorOptions) {}

  start(): void {
    const { sessionsDir } = this.options;
    if (sessionsDir) this.folderWatcher = watchQuietly(sessionsDir, () => this.queueScan());
    this.scan();
    this.scheduleScan();
  }

  private scheduleScan(): void {
    const { waiting, watched } = this.options.rescanMs ?? { waiting: SCAN_EVERY_MS, watched: SCAN_WATCHED_EVERY_MS };
    const every = this.waiting || !this.folderWatcher ? waiting : watched;
    this.scanTimer = setTimeout(() => {
      this.scan();
      this.shareOwnCost();
      this.checkIdle();
      if (this.scanTimer) this.scheduleScan();
    }, every);
  }

  /** Live sessions and deliveries in flight. */
  busy(): boolean {
    return this.runners.size > 0 || this.deliveries > 0;
  }

  /** Stops everything at once (hand-over, or a signal): sessions are left for the next collector. */
  stop(): void {
    if (this.scanTimer) clearTimeout(this.scanTimer);
    this.scanTimer = null;
    this.folderWatcher?.close();
    for (const watcher of [...this.watchers.values(), ...this.pending.values()]) watcher.close();
    this.pending.clear();
    for (const runner of this.runners.values()) runner.stop();
    this.runners.clear();
  }

  sessions(): SessionRunner[] {
    return [...this.runners.values()];
  }

  private lastCpu = process.cpuUsage();

  /** What this process spent since the last look, shared among the sessions live now. */
  private shareOwnCost(): void {
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const live = [...this.runners.values()].filter((r) => !r.ended);
    const rss = process.memoryUsage.rss();
    for (const runner of live) runner.observeCollector((cpu.user + cpu.system) / 1000, rss, live.length);
  }

  private queueScan(): void {
    if (this.scanQueued) return;
    this.scanQueued = true;
    setImmediate(() => {
      this.scanQueued = false;
      this.scan();
      // A new directory waits for its settings: look again in a second, not at the slow pace.
      if (this.waiting && this.scanTimer) {
        clearTimeout(this.scanTimer);
        this.scheduleScan();
      }
    });
  }

  private scan(): void {
    this.waiting = false;
    const dirs = this.sessionDirs();
    for (const dir of this.pending.keys()) if (!dirs.includes(dir)) this.stopWaitingFor(dir);
    for (const dir of dirs) {
      if (this.runners.has(dir) || this.refused.has(dir)) continue;
      this.adopt(dir);
      this.waiting ||= !this.runners.has(dir) && !this.refused.has(dir);
    }
  }

  private sessionDirs(): string[] {
    const { sessionsDir, singleSessionDir } = this.options;
    if (!sessionsDir) return singleSessionDir && existsSync(singleSessionDir) ? [singleSessionDir] : [];
    try {
      return readdirSync(sessionsDir).map((name) => path.join(sessionsDir, name));
    } catch {
      return [];
    }
  }

  /** Starts serving a session whose session.env is complete (its writer may not be done yet). */
  private adopt(dir: string): void {
    const info = readSessionInfo(dir);
    if (!info) {
      if (!this.pending.has(dir)) {
        const watcher = watchQuietly(dir, () => this.queueScan());
        if (watcher) this.pending.set(dir, watcher);
      }
      this.dropIfAbandoned(dir);
      return;
    }
    this.stopWaitingFor(dir);
    const notices = new SessionNotices(info.mode, info.rootPid, this.options.sinks);
    if (this.runners.size >= MAX_SESSIONS) {
      this.refused.add(dir);
      notices.say(`qwen-otel: not measuring this run: the collector already serves ${MAX_SESSIONS} sessions`);
      void tellWrapper(dir, notices.handOver());
      return;
    }
    const runner = new SessionRunner(info, {
      notices,
      onRecorded: (done) => void this.recorded(done, notices),
      onDelivery: (done, delivery) => void this.deliver(done, notices, delivery),
      observer: () => ownCost(),
    });
    this.runners.set(dir, runner);
    this.servedAny = true;
    this.lastBusy = Date.now();
    const watcher = watchQuietly(
      dir,
      (file) => {
        // The collector's own checkpoint is not news (its write woke a poll of the channel).
        if (file?.startsWith(SESSION.checkpoint)) return;
        if (file === null || !EXIT_FILE.test(file)) runner.channelChanged();
        if (file === null || EXIT_FILE.test(file)) runner.poke();
      },
      () => runner.watchingChannel(false),
    );
    runner.watchingChannel(watcher !== null);
    if (watcher) this.watchers.set(dir, watcher);
    runner.start();
  }

  /** A session whose settings never came (its wrapper was killed before writing them): removed, said. */
  private dropIfAbandoned(dir: string): void {
    let age: number;
    try {
      age = Date.now() - statSync(dir).mtimeMs;
    } catch {
      return;
    }
    if (age < ABANDONED_MS) return;
    this.stopWaitingFor(dir);
    const removed = removeSessionDir(dir);
    this.options.sinks.log(
      `qwen-otel: session directory ${dir} had no settings after ${Math.round(age / 1000)} s (its wrapper was killed?): ${removed ? 'removed' : 'could not be removed'}`,
    );
    if (!removed) this.refused.add(dir);
  }

  private stopWaitingFor(dir: string): void {
    this.pending.get(dir)?.close();
    this.pending.delete(dir);
  }

  /** The record is out: tell the wrapper and free the session's directory. */
  private async recorded(runner: SessionRunner, notices: SessionNotices): Promise<void> {
    const { dir } = runner.info;
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
    this.deliveries += 1;
    try {
      const lines = notices.handOver();
      // A wrapper that left (its bound passed) never saw these: the next run prints them.
      if (runner.info.mode === 'run' && !(await tellWrapper(dir, lines))) for (const line of lines) notices.later(line);
      if (!removeSessionDir(dir)) notices.log(`qwen-otel: session ${runner.info.id}: its directory ${dir} could not be removed`);
    } finally {
      this.runners.delete(dir);
      this.deliveries -= 1;
    }
  }

  /** The final figures, retried in the background until delivered, kept, or said lost. */
  private async deliver(runner: SessionRunner, notices: SessionNotices, delivery: FinalDelivery | null): Promise<void> {
    if (!delivery || delivery.items.length === 0) return;
    this.deliveries += 1;
    try {
      const deadline = this.options.deliveryDeadlineMs(runner);
      await deliverFinal(
        delivery,
        runner.runEndedAt(),
        { deadlineMs: deadline, attemptTimeoutMs: Math.min(5000, Math.max(deadline, 50)), told: (what) => runner.told(what) },
        notices,
        this.options.spool,
      );
    } catch (error) {
      notices.log(`qwen-otel: session ${runner.info.id}: delivery failed: ${(error as Error).message}`);
    } finally {
      this.deliveries -= 1;
      this.lastBusy = Date.now();
      this.checkIdle();
    }
  }

  private checkIdle(): void {
    if (this.busy()) {
      this.lastBusy = Date.now();
      return;
    }
    const waitingForItsSession =
      this.options.sessionsDir === null && !this.servedAny && Date.now() - this.lastBusy < SINGLE_SESSION_WAIT_MS;
    if (!waitingForItsSession && Date.now() - this.lastBusy >= this.options.lingerMs) this.options.onIdle();
  }
}

/** A session directory's description, or null while its session.env is incomplete or invalid. */
export function readSessionInfo(dir: string): SessionInfo | null {
  const file = path.join(dir, SESSION.env);
  let env: Record<string, string> | null;
  let startedMs: number;
  try {
    env = parseSessionEnv(readFileSync(file, 'utf8'));
    startedMs = statSync(file).mtimeMs;
  } catch {
    return null;
  }
  if (!env) return null;
  const rootPid = Number(env[SESSION_META.rootPid]);
  if (!Number.isInteger(rootPid) || rootPid <= 1) return null;
  const mode: SessionMode = env[SESSION_META.mode] === 'run' ? 'run' : 'sidecar';
  const id = env.QWEN_OTEL_SESSION_ID ?? path.basename(dir);
  return { dir, id, mode, rootPid, command: env[SESSION_META.command] || null, startedMs: Math.round(startedMs), env };
}

function watchQuietly(dir: string, onFile: (file: string | null) => void, onLost: () => void = () => undefined): FSWatcher | null {
  try {
    const watcher = watch(dir, { persistent: false }, (_event, file) => onFile(file ? String(file) : null));
    watcher.on('error', () => {
      watcher.close();
      onLost();
    });
    return watcher;
  } catch {
    return null;
  }
}

function ownCost(): { pid: number; hwmBytes: number; rssBytes: number } {
  return { pid: process.pid, hwmBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage.rss() };
}
