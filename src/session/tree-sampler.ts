// Samples the process tree rooted at the CLI: who is alive, their RSS and high-water marks, and
// their roles. Processes that vanish mid-walk are fine; a reused pid is told apart by start time.
import { descendantsViaChildren, descendantsViaParents } from '../probes/process-tree';
import type { ProcReader } from './proc-reader';
import { argvHashOf, identify, shownName } from './process-identity';
import { ancestorRole, execedSince, stillForkCopy } from './lineage';
import { MemoryMarks } from './memory-marks';
import { blankEntry, type ProcessEntry } from './process-table';
import { summarizeTree, type TreeSample } from './tree-sample';

export interface TreeOptions {
  rootPid: number;
  /** In `qwen-otel run` the root is our wrapper: its children are the CLI, itself not counted. */
  rootIsObserver: boolean;
  /**
   * With rootIsObserver: the CLI's pid as the wrapper wrote it, once known. The wrapper's other
   * children (the collector, its watchdog) are qwen-otel's own.
   */
  cliPid?: () => number | null;
  observerPids: Set<number>;
  newSpanId: () => string;
}

/** startTicks of a process known only from its agent (no /proc here): its own reports end it. */
const AGENT_ONLY = -1;

/**
 * A new process is checked for an exec during its first samples: seen between fork and exec it
 * is a copy of its parent (same command line, the parent's RSS counted twice: seen on Qwen Code's relaunch).
 */
const EXEC_WATCH_SAMPLES = 3;
/** How long a process without an agent counts as young (see hasNewcomers). */
const YOUNG_MS = 3000;

/**
 * Quiet ticks are skipped for at most this long: the tick that reads every thread's children
 * (ALL_THREADS_EVERY ticks) samples anyway.
 */
const QUIET_AT_MOST_MS = 5000;

/** Every this many samples, children of every thread are read, not only the main thread's. */
const ALL_THREADS_EVERY = 10;

export class TreeSampler {
  readonly live = new Map<number, ProcessEntry>();
  readonly ended: ProcessEntry[] = [];
  private ticks = 0;
  private cliPackageDir: string | null = null;
  /** The CLI's working directory: the user's repository, whose file names are never shown. */
  private workTree: string | null = null;
  /** Processes seen forking from a thread other than the main one (Rust, Go runtimes). */
  private readonly threadForkers = new Set<number>();
  private readonly marks: MemoryMarks;
  private lastSampled = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: TreeOptions,
    private readonly reader: ProcReader,
  ) {
    this.marks = new MemoryMarks(reader);
  }

  sample(now: number, extraPids: Iterable<number> = []): TreeSample {
    this.ticks += 1;
    this.lastSampled = now;
    const pids = new Set(this.walk());
    for (const pid of extraPids) pids.add(pid);
    // A process reparented away from the tree (a daemon, a server a tool left behind) is still
    // the CLI's: keep sampling it while it lives (its start time guards against pid reuse).
    for (const pid of this.live.keys()) pids.add(pid);
    if (!this.options.rootIsObserver) pids.add(this.options.rootPid);
    for (const pid of this.options.observerPids) pids.delete(pid);
    const seen = new Set<number>();
    for (const pid of pids) {
      const entry = this.refresh(pid, now);
      if (entry) seen.add(pid);
    }
    for (const [pid, entry] of this.live) {
      if (seen.has(pid)) continue;
      if (entry.startTicks === AGENT_ONLY) entry.rss = entry.latest?.mem.rss ?? entry.rss;
      else this.end(entry, entry.lastSeen);
    }
    this.marks.keep(this.live.keys());
    return summarizeTree(now, [...this.live.values()]);
  }

  /**
   * Whether this tick may skip its sample: every process reads as the last sample read it (see
   * MemoryMarks: status figures and main-thread children), none is new, known only from its
   * agent, past its agent's last word or known to fork from other threads, and the last sample is
   * under QUIET_AT_MOST_MS old. An idle CLI's tick then costs two reads per process: in V8's lite
   * mode a sample of even a one-process tree, its code cold after 500 ms asleep, cost the
   * collector ~0.5 ms of CPU.
   */
  quiet(now: number): boolean {
    if (!this.reader.childrenSupported || this.live.size === 0 || this.threadForkers.size > 0) return false;
    if (now - this.lastSampled >= QUIET_AT_MOST_MS || (this.ticks + 1) % ALL_THREADS_EVERY === 1) return false;
    if (this.hasNewcomers(now)) return false;
    // A process known only from its agent has no mark (its figures change with its lines): not quiet.
    if (!this.marks.unchanged(this.live.keys())) return false;
    this.ticks += 1;
    return true;
  }

  /** What a checkpoint keeps of the walk besides the processes (the working tree is read again). */
  walkState(): { cliPackageDir: string | null; threadForkers: number[] } {
    return { cliPackageDir: this.cliPackageDir, threadForkers: [...this.threadForkers] };
  }

  restoreWalk(walk: { cliPackageDir: string | null; threadForkers: number[] }, live: ProcessEntry[]): void {
    this.cliPackageDir = walk.cliPackageDir;
    for (const pid of walk.threadForkers) this.threadForkers.add(pid);
    for (const entry of live) this.live.set(entry.pid, entry);
    const root = live.find((e) => e.role === 'cli');
    if (root) this.workTree = this.reader.cwd(root.pid);
  }

  /** The entry for a pid an agent announced, creating it from /proc when the walk has not yet. */
  entryFor(pid: number, now: number): ProcessEntry {
    return this.live.get(pid) ?? this.refresh(pid, now) ?? this.placeholder(pid, now);
  }

  /**
   * Processes worth a quicker look: just seen (an exec may follow), young and without an agent
   * (a tool, a CLI's native binary: only samples see their growth, and they may end within one),
   * or past their agent's last word: Qwen Code's worker lives 1.3-10 s after its `exit` event and
   * can still grow (up to 8 MiB past the figure its agent sent), and its VmHWM is gone once it has
   * exited, so it is read until then at the quick pace.
   */
  hasNewcomers(now: number): boolean {
    for (const entry of this.live.values()) {
      if (entry.startTicks === AGENT_ONLY) continue;
      if (entry.samples < EXEC_WATCH_SAMPLES || entry.final !== null) return true;
      if (entry.hello === null && now - entry.firstSeen < YOUNG_MS) return true;
    }
    return false;
  }

  /** A process known only from its agent ends when the agent says its last word. */
  endAgentOnly(entry: ProcessEntry, at: number): void {
    if (entry.startTicks === AGENT_ONLY) this.end(entry, at);
  }

  /**
   * An agent said hello. A process that ended before any tree sample saw it (a short CLI, or a
   * collector that started late) gets its parent and role from what the agent told.
   */
  adopt(entry: ProcessEntry, ppid: number): void {
    if (entry.startTicks !== AGENT_ONLY) return;
    entry.parentPid = ppid;
    entry.role = this.isRoot(entry.pid, ppid) ? 'cli' : 'other';
  }

  end(entry: ProcessEntry, at: number): void {
    if (entry.ended !== null) return;
    entry.ended = at;
    this.live.delete(entry.pid);
    this.reader.forget(entry.pid);
    // A fork seen only before its exec was never a program of its own: its memory was never
    // counted, and its command line was its parent's, so it would show as a second parent.
    if (entry.preExec && entry.hello === null) return;
    this.ended.push(entry);
  }

  private walk(): number[] {
    const { rootPid } = this.options;
    if (!this.reader.childrenSupported) return descendantsViaParents(rootPid, this.reader.parents());
    const allThreads = this.ticks % ALL_THREADS_EVERY === 1;
    const { observerPids } = this.options;
    return descendantsViaChildren(rootPid, (pid) => {
      // qwen-otel's own processes, and whatever they start, are not the CLI's.
      if (observerPids.has(pid) && pid !== rootPid) return [];
      const main = this.reader.children(pid, false);
      this.marks.walked(pid, main);
      if (!allThreads && !this.threadForkers.has(pid)) return main;
      const all = this.reader.children(pid, true);
      if (all && main && all.length > main.length) this.threadForkers.add(pid);
      return all;
    });
  }

  private refresh(pid: number, now: number): ProcessEntry | null {
    const status = this.reader.status(pid);
    let entry = this.live.get(pid) ?? null;
    if (!status || status.state === 'Z' || status.rssBytes === null) {
      if (entry && status?.state === 'Z') this.end(entry, now);
      if (!entry) this.reader.forget(pid);
      return null;
    }
    if (entry && entry.parentPid !== status.ppid) {
      if (this.reader.stat(pid)?.startTicks === entry.startTicks) entry.parentPid = status.ppid;
      else {
        this.end(entry, entry.lastSeen);
        entry = null;
      }
    }
    this.marks.sampled(pid, status);
    const known = entry !== null;
    entry ??= this.create(pid, status.ppid, status.name, now);
    if (!entry) return null;
    // A newcomer's command line was read just now, by create().
    if (known && (entry.samples < EXEC_WATCH_SAMPLES || entry.preExec || entry.name !== status.name)) {
      this.watchExec(entry, status.name);
    }
    entry.samples += 1;
    entry.threads = status.threads ?? undefined;
    if (entry.samples >= EXEC_WATCH_SAMPLES && !stillForkCopy(entry, this.live)) entry.preExec = false;
    entry.lastSeen = now;
    entry.prevRss = entry.rss;
    entry.prevHwm = entry.hwm;
    entry.rss = status.rssBytes;
    entry.firstRss ??= status.rssBytes;
    entry.rssPeak = Math.max(entry.rssPeak, status.rssBytes);
    entry.hwm = Math.max(entry.hwm, status.hwmBytes ?? 0);
    return entry;
  }

  private create(pid: number, ppid: number, name: string, now: number): ProcessEntry | null {
    if (this.options.observerPids.has(ppid) && ppid !== this.options.rootPid) {
      this.options.observerPids.add(pid);
      return null;
    }
    if (this.options.rootIsObserver && ppid === this.options.rootPid && pid !== this.cliPid()) {
      // The wrapper's other children are ours; until the CLI's pid is known, look again next time.
      if (this.cliPid() !== null) this.options.observerPids.add(pid);
      return null;
    }
    const isRoot = this.isRoot(pid, ppid);
    const parent = this.live.get(ppid);
    const seen = identify(this.reader, this.reader.cmdline(pid) ?? [], name, {
      isRoot,
      parentRole: parent?.role ?? ancestorRole(this.reader, this.live, ppid),
      cliPackageDir: this.cliPackageDir,
    });
    if (seen.observer) {
      // qwen-otel itself (a nested collector, the wrapper's own forks): never the CLI's memory.
      this.options.observerPids.add(pid);
      return null;
    }
    if (isRoot && this.cliPackageDir === null) this.cliPackageDir = seen.packageDir;
    if (isRoot) this.workTree ??= this.reader.cwd(pid);
    const entry = blankEntry(pid, ppid, name, seen.role, now, this.options.newSpanId());
    entry.shown = shownName(this.reader, pid, this.workTree);
    entry.argvHash = seen.argvHash;
    entry.preExec =
      !isRoot && parent !== undefined && parent.name === name && (parent.argvHash === seen.argvHash || execedSince(this.reader, pid, name));
    entry.startTicks = this.reader.stat(pid)?.startTicks ?? 0;
    this.live.set(pid, entry);
    return entry;
  }

  /** The CLI the user started: the wrapper's child, or (sidecar) the first instrumented process. */
  private isRoot(pid: number, ppid: number): boolean {
    return this.options.rootIsObserver ? ppid === this.options.rootPid && pid === this.cliPid() : pid === this.options.rootPid;
  }

  private cliPid(): number | null {
    return this.options.cliPid?.() ?? null;
  }

  /** After an exec the process is a new program: new role, and the kernel restarts its high-water mark. */
  private watchExec(entry: ProcessEntry, name: string): void {
    const raw = this.reader.cmdline(entry.pid) ?? [];
    if (argvHashOf(raw) === entry.argvHash && name === entry.name) return;
    const isRoot = this.isRoot(entry.pid, entry.parentPid);
    // A process reparented out of the tree before its exec (chromium's crashpad handler, started
    // by a double fork) is judged by its role so far, which it took from the parent it had: else
    // it has no parent role and falls to `other`.
    const parentRole = this.live.get(entry.parentPid)?.role ?? entry.role;
    const seen = identify(this.reader, raw, name, { isRoot, parentRole, cliPackageDir: this.cliPackageDir });
    if (isRoot) this.cliPackageDir = seen.packageDir ?? this.cliPackageDir;
    entry.name = name;
    entry.shown = shownName(this.reader, entry.pid, this.workTree);
    entry.argvHash = seen.argvHash;
    entry.preExec = false;
    if (!entry.hello?.role) entry.role = seen.role;
    // The agent, if one has spoken, runs in the new program: its figures stay.
    entry.hwm = entry.latest?.mem.hwm ?? 0;
    entry.rssPeak = entry.peaks.rss;
    entry.firstRss = entry.hello ? entry.firstRss : null;
  }

  private placeholder(pid: number, now: number): ProcessEntry {
    const entry = blankEntry(pid, 0, '', 'other', now, this.options.newSpanId());
    entry.startTicks = AGENT_ONLY;
    this.live.set(pid, entry);
    return entry;
  }
}

export type { RoleFigures, TreeSample } from './tree-sample';
