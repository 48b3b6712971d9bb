// Samples the process tree rooted at the CLI: who is alive, their RSS and high-water marks, and
// their roles. Processes that vanish mid-walk are fine; a reused pid is told apart by start time.
import { PROCESS_ROLES, type ProcessRole } from '../config';
import { findPackageDir } from '../agent/identity';
import { classifyRole } from '../probes/roles';
import { descendantsViaChildren, descendantsViaParents } from '../probes/process-tree';
import type { ProcReader } from './proc-reader';
import type { ProcessEntry } from './process-table';
import { emptyPeaks } from '../agent/peaks';

export interface TreeOptions {
  rootPid: number;
  /** In `qwen-otel run` the root is our wrapper: its children are the CLI, itself not counted. */
  rootIsObserver: boolean;
  observerPids: Set<number>;
  newSpanId: () => string;
}

export type RoleFigures = Record<ProcessRole, { rss: number; count: number }>;

export interface TreeSample {
  t: number;
  total: number;
  rootRss: number;
  count: number;
  byRole: RoleFigures;
  alive: ProcessEntry[];
}

/** startTicks of a process known only from its agent (no /proc here): its own reports end it. */
const AGENT_ONLY = -1;

/** Every this many samples, children of every thread are read, not only the main thread's. */
const ALL_THREADS_EVERY = 10;

export function emptyRoleFigures(): RoleFigures {
  return Object.fromEntries(PROCESS_ROLES.map((role) => [role, { rss: 0, count: 0 }])) as RoleFigures;
}

export class TreeSampler {
  readonly live = new Map<number, ProcessEntry>();
  readonly ended: ProcessEntry[] = [];
  private ticks = 0;
  private cliPackageDir: string | null = null;
  /** Processes seen forking from a thread other than the main one (Rust, Go runtimes). */
  private readonly threadForkers = new Set<number>();

  constructor(
    private readonly options: TreeOptions,
    private readonly reader: ProcReader,
  ) {}

  sample(now: number, extraPids: Iterable<number> = []): TreeSample {
    this.ticks += 1;
    const pids = new Set(this.walk());
    for (const pid of extraPids) pids.add(pid);
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
    return this.summarize(now);
  }

  /** The entry for a pid an agent announced, creating it from /proc when the walk has not yet. */
  entryFor(pid: number, now: number): ProcessEntry {
    return this.live.get(pid) ?? this.refresh(pid, now) ?? this.placeholder(pid, now);
  }

  end(entry: ProcessEntry, at: number): void {
    if (entry.ended !== null) return;
    entry.ended = at;
    this.live.delete(entry.pid);
    this.reader.forget(entry.pid);
    this.ended.push(entry);
  }

  private walk(): number[] {
    const { rootPid } = this.options;
    if (!this.reader.childrenSupported) return descendantsViaParents(rootPid, this.reader.parents());
    const allThreads = this.ticks % ALL_THREADS_EVERY === 1;
    return descendantsViaChildren(rootPid, (pid) => {
      if (!allThreads && !this.threadForkers.has(pid)) return this.reader.children(pid, false);
      const all = this.reader.children(pid, true);
      const main = this.reader.children(pid, false);
      if (all && main && all.length > main.length) this.threadForkers.add(pid);
      return all;
    });
  }

  private refresh(pid: number, now: number): ProcessEntry | null {
    const status = this.reader.status(pid);
    let entry = this.live.get(pid) ?? null;
    if (!status || status.state === 'Z' || status.rssBytes === null) {
      if (entry && status?.state === 'Z') this.end(entry, now);
      return null;
    }
    if (entry && entry.parentPid !== status.ppid) {
      if (this.reader.stat(pid)?.startTicks === entry.startTicks) entry.parentPid = status.ppid;
      else {
        this.end(entry, entry.lastSeen);
        entry = null;
      }
    }
    entry ??= this.create(pid, status.ppid, status.name, now);
    entry.lastSeen = now;
    entry.rss = status.rssBytes;
    entry.firstRss ??= status.rssBytes;
    entry.rssPeak = Math.max(entry.rssPeak, status.rssBytes);
    entry.hwm = Math.max(entry.hwm, status.hwmBytes ?? 0);
    return entry;
  }

  private create(pid: number, ppid: number, name: string, now: number): ProcessEntry {
    const isRoot = this.options.rootIsObserver ? ppid === this.options.rootPid : pid === this.options.rootPid;
    const argv = (this.reader.cmdline(pid) ?? []).map((arg, i) => (i < 4 && arg.includes('/') ? this.reader.realpath(arg) : arg));
    if (isRoot && this.cliPackageDir === null) this.cliPackageDir = rootPackageDir(argv);
    const role = classifyRole({
      argv,
      name,
      isRoot,
      parentRole: this.live.get(ppid)?.role ?? null,
      cliPackageDir: this.cliPackageDir,
    });
    const entry = blankEntry(pid, ppid, name, role, now, this.options.newSpanId());
    entry.startTicks = this.reader.stat(pid)?.startTicks ?? 0;
    this.live.set(pid, entry);
    return entry;
  }

  private placeholder(pid: number, now: number): ProcessEntry {
    const entry = blankEntry(pid, 0, '', 'other', now, this.options.newSpanId());
    entry.startTicks = AGENT_ONLY;
    this.live.set(pid, entry);
    return entry;
  }

  private summarize(now: number): TreeSample {
    const byRole = emptyRoleFigures();
    let total = 0;
    let rootRss = 0;
    const alive = [...this.live.values()];
    for (const entry of alive) {
      total += entry.rss;
      byRole[entry.role].rss += entry.rss;
      byRole[entry.role].count += 1;
      if (entry.role === 'cli') rootRss = Math.max(rootRss, entry.rss);
    }
    return { t: now, total, rootRss, count: alive.length, byRole, alive };
  }
}

function rootPackageDir(argv: string[]): string | null {
  const script = argv.slice(1).find((arg) => arg.startsWith('/'));
  return findPackageDir(script ?? argv[0] ?? '');
}

function blankEntry(pid: number, ppid: number, name: string, role: ProcessRole, now: number, spanId: string): ProcessEntry {
  return {
    pid, startTicks: 0, name, parentPid: ppid, role, firstSeen: now, lastSeen: now, ended: null,
    rss: 0, rssPeak: 0, firstRss: null, firstHeapUsed: null, hwm: 0, hello: null, peaks: emptyPeaks(), latest: null, final: null, endNote: null, pressure: false, spanId,
  };
}
