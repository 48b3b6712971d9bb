// The tree sampler on a fake /proc: roles, peaks, exec, processes that vanish, pid reuse.
import { describe, expect, it } from 'vitest';
import type { ProcReader } from '../src/session/proc-reader';
import { TreeSampler } from '../src/session/tree-sampler';

const MiB = 1024 * 1024;

interface FakeProcess {
  ppid: number;
  name: string;
  argv: string[];
  rss: number;
  hwm: number;
  start: number;
  zombie?: boolean;
  threads?: number;
}

function fakeProc(): { procs: Map<number, FakeProcess>; reader: ProcReader } {
  const procs = new Map<number, FakeProcess>();
  const reader: ProcReader = {
    children: (pid) => (procs.has(pid) ? [...procs].filter(([, p]) => p.ppid === pid).map(([c]) => c) : null),
    status: (pid) => {
      const p = procs.get(pid);
      if (!p) return null;
      return {
        name: p.name,
        state: p.zombie ? 'Z' : 'S',
        ppid: p.ppid,
        rssBytes: p.zombie ? null : p.rss,
        hwmBytes: p.zombie ? null : p.hwm,
        threads: p.threads ?? null,
      };
    },
    stat: (pid) => {
      const p = procs.get(pid);
      return p ? { pid, comm: p.name, state: 'S', ppid: p.ppid, startTicks: p.start } : null;
    },
    cmdline: (pid) => procs.get(pid)?.argv ?? null,
    realpath: (file) => file,
    exe: (pid) => (procs.has(pid) ? `/usr/bin/${procs.get(pid)!.name}` : null),
    cwd: () => '/work/repo',
    forget: () => undefined,
    childrenSupported: true,
    parents: () => new Map([...procs].map(([pid, p]) => [pid, p.ppid])),
  };
  return { procs, reader };
}

/** The CLI (11) under the wrapper (10), chrome-devtools-mcp (12) and its chromium (13). */
function browserTree() {
  const { procs, reader } = fakeProc();
  procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
  procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 200 * MiB, hwm: 200 * MiB, start: 2 });
  const server = ['node', '/m/node_modules/chrome-devtools-mcp/build/src/index.js'];
  procs.set(12, { ppid: 11, name: 'node', argv: server, rss: 100 * MiB, hwm: 100 * MiB, start: 3 });
  const chromium = ['/usr/lib/chromium/chromium', '--headless'];
  procs.set(13, { ppid: 12, name: 'chromium', argv: chromium, rss: 200 * MiB, hwm: 200 * MiB, start: 4 });
  return { procs, reader, chromium };
}

/** Past the first samples' exec watch (three samples) and the 3 s a process without an agent is young. */
function settle(tree: TreeSampler): void {
  for (const t of [1000, 1500, 2000, 4100]) tree.sample(t);
}

let spanIds = 0;
const options = (rootPid: number, cli = 11) => ({
  rootPid,
  rootIsObserver: true,
  cliPid: () => cli,
  observerPids: new Set([rootPid, 99]),
  newSpanId: () => String(++spanIds),
});

describe('the tree sampler', () => {
  it('finds the CLI under the wrapper, names roles, sums RSS, and leaves the observers out', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['/bin/sh', 'qwen-otel'], rss: 1 * MiB, hwm: 1 * MiB, start: 1 });
    procs.set(99, { ppid: 10, name: 'node', argv: ['node', '/x/collector/main.js'], rss: 60 * MiB, hwm: 60 * MiB, start: 1 });
    procs.set(100, { ppid: 99, name: 'sleep', argv: ['sleep', '1'], rss: 1 * MiB, hwm: 1 * MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js', 'go'], rss: 200 * MiB, hwm: 210 * MiB, start: 2 });
    procs.set(12, { ppid: 11, name: 'node', argv: ['node', '/pkg/cli.js', '--worker'], rss: 600 * MiB, hwm: 650 * MiB, start: 3 });
    procs.set(13, { ppid: 12, name: 'bash', argv: ['bash', '-c', 'ls'], rss: 3 * MiB, hwm: 3 * MiB, start: 4 });
    procs.set(14, { ppid: 12, name: 'node', argv: ['node', '/m/chrome-devtools-mcp/index.js'], rss: 300 * MiB, hwm: 300 * MiB, start: 5 });
    const tree = new TreeSampler(options(10), reader);
    const sample = tree.sample(1000);
    expect(sample.count).toBe(4);
    expect(sample.total).toBe(1103 * MiB);
    expect(tree.live.get(11)?.shown).toBe('node');
    expect(Object.fromEntries([...tree.live.values()].map((e) => [e.pid, e.role]))).toEqual({
      11: 'cli',
      13: 'tool',
      14: 'mcp_server',
      12: 'other',
    });
    expect(sample.byRole.mcp_server.rss).toBe(300 * MiB);
  });

  it('calls a relaunch from the same package a cli_worker', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, {
      ppid: 10,
      name: 'node',
      argv: ['node', '/opt/node_modules/@qwen-code/qwen-code/cli.js'],
      rss: 200 * MiB,
      hwm: 200 * MiB,
      start: 2,
    });
    procs.set(12, {
      ppid: 11,
      name: 'node',
      argv: ['/usr/bin/node', '--max-old-space-size=8192', '/opt/node_modules/@qwen-code/qwen-code/cli.js'],
      rss: 600 * MiB,
      hwm: 600 * MiB,
      start: 3,
    });
    const tree = new TreeSampler(options(10), reader);
    tree.sample(1000);
    // cliPackageDir comes from the root's script; the fake realpath keeps paths as they are and
    // findPackageDir needs a package.json on disk, so this checks the rule through the root only.
    expect(tree.live.get(11)?.role).toBe('cli');
  });

  it('does not count a child between fork and exec twice, and restarts its figures at the exec', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 200 * MiB, hwm: 200 * MiB, start: 2 });
    procs.set(12, { ppid: 11, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 200 * MiB, hwm: 200 * MiB, start: 3 });
    const tree = new TreeSampler(options(10), reader);
    expect(tree.sample(1000).total).toBe(200 * MiB);
    procs.set(12, { ppid: 11, name: 'python3', argv: ['python3', 'x.py'], rss: 10 * MiB, hwm: 12 * MiB, start: 3 });
    const after = tree.sample(1500);
    expect(after.total).toBe(210 * MiB);
    expect(tree.live.get(12)).toMatchObject({ name: 'python3', role: 'tool', hwm: 12 * MiB });
  });

  it('keeps a one-thread copy of a threaded parent uncounted however long its exec takes, and counts a threaded one', () => {
    // A loaded CI machine: a copy of Qwen Code's worker not yet exec'd after three quick samples.
    const { procs, reader } = fakeProc();
    const node = (ppid: number, rss: number, threads: number, start: number): FakeProcess => ({
      ppid,
      name: 'node',
      argv: ['node', '/pkg/cli.js'],
      rss,
      hwm: rss,
      start,
      threads,
    });
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, node(10, 700 * MiB, 11, 2));
    procs.set(12, node(11, 700 * MiB, 1, 3));
    const tree = new TreeSampler(options(10), reader);
    for (let t = 1000; t <= 1300; t += 50) expect(tree.sample(t).total).toBe(700 * MiB);
    procs.set(12, { ppid: 11, name: 'dash', argv: ['/bin/sh', '-c', 'ps'], rss: 2 * MiB, hwm: 2 * MiB, start: 3 });
    expect(tree.sample(1350).total).toBe(702 * MiB);
    expect(tree.live.get(12)).toMatchObject({ role: 'tool', preExec: false });

    // Qwen Code 0.24.4's worker keeps its parent's argv but runs threads of its own: it counts.
    procs.set(13, node(11, 300 * MiB, 9, 4));
    for (let t = 1400; t <= 1500; t += 50) tree.sample(t);
    expect(tree.sample(1550).total).toBe(1002 * MiB);
    procs.delete(12);
    procs.delete(13);
    tree.sample(1600);
    expect(tree.ended.map((e) => [e.pid, e.role])).toEqual([
      [12, 'tool'],
      [13, 'other'],
    ]);
  });

  it('looks again soon at a process past its agent last word, and keeps the high-water mark it reaches after it', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 600 * MiB, hwm: 650 * MiB, start: 2 });
    const tree = new TreeSampler(options(10), reader);
    for (let t = 1000; t <= 1500; t += 500) tree.sample(t);
    const worker = tree.live.get(11)!;
    worker.hello = {} as NonNullable<typeof worker.hello>;
    tree.sample(5000);
    expect(tree.hasNewcomers(5000)).toBe(false);
    worker.final = {} as NonNullable<typeof worker.final>;
    expect(tree.hasNewcomers(5000)).toBe(true);
    procs.set(11, { ...procs.get(11)!, hwm: 658 * MiB });
    tree.sample(5050);
    expect(worker.hwm).toBe(658 * MiB);
  });

  it('does not count a fork copy that execs between its status read and its command-line read', () => {
    // Qwen Code 0.15.10 on mcp-browse: a `dash` shown with 97 MiB for one sample. Its status was
    // read before the exec (the parent's name and a copy of its memory), its argv after.
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 200 * MiB, hwm: 200 * MiB, start: 2 });
    const forkCopy = { ppid: 11, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 97 * MiB, hwm: 97 * MiB, start: 3 };
    const execd = { ppid: 11, name: 'dash', argv: ['/bin/sh', '-c', 'git diff'], rss: MiB, hwm: MiB, start: 3 };
    procs.set(12, forkCopy);
    const status = reader.status;
    reader.status = (pid) => {
      const seen = status(pid);
      if (pid === 12) procs.set(12, execd);
      return seen;
    };
    const tree = new TreeSampler(options(10), reader);
    expect(tree.sample(1000).total).toBe(200 * MiB);
    reader.status = status;
    const after = tree.sample(1500);
    expect(after.total).toBe(201 * MiB);
    expect(tree.live.get(12)).toMatchObject({ name: 'dash', role: 'tool' });
  });

  it("keeps an orphan's lineage through its exec: chromium's crashpad handler stays the MCP server's", () => {
    // Chromium starts chrome_crashpad_handler by a double fork: the grandchild is reparented away
    // from the tree, then execs. Claude Code 2.1.112 on mcp-browse: labelled `other` in 1 run of 2.
    const { procs, reader, chromium } = browserTree();
    procs.set(14, { ppid: 13, name: 'chromium', argv: chromium, rss: 20 * MiB, hwm: 20 * MiB, start: 5 });
    const tree = new TreeSampler(options(10), reader);
    tree.sample(1000);
    expect(tree.live.get(14)?.role).toBe('mcp_server');
    procs.set(14, {
      ppid: 1,
      name: 'chrome_crashpad',
      argv: ['/usr/lib/chromium/chrome_crashpad_handler', '--monitor-self'],
      rss: 5 * MiB,
      hwm: 5 * MiB,
      start: 5,
    });
    tree.sample(1500);
    expect(tree.live.get(14)).toMatchObject({ name: 'chrome_crashpad', role: 'mcp_server' });
  });

  it("takes the role of the nearest known ancestor when the parent is a zombie at the child's first walk", () => {
    // The middle of chromium's double fork exits at once: a walk can find it a zombie (not
    // sampled) and its child already chrome_crashpad_handler. Claude Code 2.1.112 on mcp-browse
    // in CI: labelled `other`.
    const { procs, reader, chromium } = browserTree();
    const tree = new TreeSampler(options(10), reader);
    tree.sample(1000);
    procs.set(14, { ppid: 13, name: 'chromium', argv: chromium, rss: 0, hwm: 0, start: 5, zombie: true });
    const handler = ['/usr/lib/chromium/chrome_crashpad_handler', '--monitor-self'];
    procs.set(15, { ppid: 14, name: 'chrome_crashpad', argv: handler, rss: 5 * MiB, hwm: 5 * MiB, start: 6 });
    tree.sample(1050);
    expect(tree.live.has(14)).toBe(false);
    expect(tree.live.get(15)).toMatchObject({ name: 'chrome_crashpad', role: 'mcp_server' });
  });

  it('skips a tick only while every process reads as the last sample read it, and never for more than 5 s', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    procs.set(12, { ppid: 11, name: 'bash', argv: ['bash'], rss: 5 * MiB, hwm: 5 * MiB, start: 3 });
    const tree = new TreeSampler(options(10), reader);
    settle(tree);
    expect(tree.quiet(4600)).toBe(true);
    expect(tree.quiet(5100)).toBe(true);
    procs.get(12)!.rss = 6 * MiB;
    expect(tree.quiet(5600)).toBe(false);
    expect(tree.sample(5600).total).toBe(106 * MiB);
    expect(tree.quiet(6100)).toBe(true);
    // A spike between two ticks, back to the same RSS: its high-water mark shows, and the sample reads it.
    procs.get(11)!.hwm = 300 * MiB;
    expect(tree.quiet(6600)).toBe(false);
    tree.sample(6600);
    expect(tree.live.get(11)?.hwm).toBe(300 * MiB);
    procs.set(13, { ppid: 12, name: 'cat', argv: ['cat'], rss: MiB, hwm: MiB, start: 4 });
    expect(tree.quiet(7100)).toBe(false);
    tree.sample(7100);
    expect(tree.live.has(13)).toBe(true);
    procs.delete(13);
    // Every 10th tick reads the children of every thread: a sample, whatever the marks say.
    expect(tree.quiet(7600)).toBe(false);
    tree.sample(7600);
    expect(tree.live.has(13)).toBe(false);
    for (const t of [8100, 9100, 10_100, 12_500]) expect(tree.quiet(t), String(t)).toBe(true);
    // However still the tree, it is sampled every 5 s.
    expect(tree.quiet(12_600)).toBe(false);
  });

  it('never skips a tick while a process is known only from its agent', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    const tree = new TreeSampler(options(10), reader);
    settle(tree);
    expect(tree.quiet(4600)).toBe(true);
    tree.entryFor(77, 4700); // no /proc entry here: its figures come from its lines
    expect(tree.quiet(5100)).toBe(false);
  });

  it('never skips a tick where children files are missing (a fork could not be seen)', () => {
    const { procs, reader } = fakeProc();
    (reader as { childrenSupported: boolean }).childrenSupported = false;
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', '/pkg/cli.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    const tree = new TreeSampler(options(10), reader);
    settle(tree);
    expect(tree.quiet(4600)).toBe(false);
  });

  it('keeps a peak that happened between two samples, from the high-water mark', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', 'a.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    procs.set(12, { ppid: 11, name: 'bash', argv: ['bash'], rss: 50 * MiB, hwm: 50 * MiB, start: 3 });
    const tree = new TreeSampler(options(10), reader);
    tree.sample(1000);
    procs.get(11)!.hwm = 400 * MiB; // a spike the sampler did not see
    procs.get(11)!.rss = 120 * MiB;
    procs.get(12)!.rss = 60 * MiB;
    const sample = tree.sample(1500);
    expect(sample.total).toBe(180 * MiB);
    expect(sample.hwmBound).toBe(450 * MiB);
  });

  it('ends processes that vanished or turned zombie, and tells a reused pid from the old process', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', 'a.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    procs.set(12, { ppid: 11, name: 'bash', argv: ['bash'], rss: 5 * MiB, hwm: 5 * MiB, start: 3 });
    procs.set(13, { ppid: 11, name: 'git', argv: ['git'], rss: 5 * MiB, hwm: 5 * MiB, start: 3 });
    const tree = new TreeSampler(options(10), reader);
    tree.sample(1000);
    procs.delete(12);
    procs.get(13)!.zombie = true;
    tree.sample(1500);
    expect(tree.ended.map((e) => e.pid).sort()).toEqual([12, 13]);
    procs.set(12, { ppid: 11, name: 'rg', argv: ['rg', 'x'], rss: 2 * MiB, hwm: 2 * MiB, start: 9 });
    tree.sample(2000);
    expect(tree.live.get(12)).toMatchObject({ name: 'rg', hwm: 2 * MiB });
  });
});

describe('what the tree sampler shows and leaves out', () => {
  it('treats the wrapper\'s other children (its watchdog) as qwen-otel\'s own, and names programs in the work tree "local"', () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', 'a.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    procs.set(15, { ppid: 10, name: 'qwen-otel', argv: ['sh'], rss: 2 * MiB, hwm: 2 * MiB, start: 3 });
    procs.set(16, { ppid: 15, name: 'sleep', argv: ['sleep', '1'], rss: 1 * MiB, hwm: 1 * MiB, start: 3 });
    procs.set(17, { ppid: 11, name: 'mytool', argv: ['./target/mytool'], rss: 5 * MiB, hwm: 5 * MiB, start: 4 });
    const local = { ...reader, exe: (pid: number) => (pid === 17 ? '/work/repo/target/mytool' : reader.exe(pid)) };
    const tree = new TreeSampler(options(10), local);
    const sample = tree.sample(1000);
    expect([...tree.live.keys()].sort()).toEqual([11, 17]);
    expect(sample.total).toBe(105 * MiB);
    expect(tree.live.get(17)?.shown).toBe('local');
  });

  it("skips a nested session's collector", () => {
    const { procs, reader } = fakeProc();
    procs.set(10, { ppid: 1, name: 'qwen-otel', argv: ['sh'], rss: MiB, hwm: MiB, start: 1 });
    procs.set(11, { ppid: 10, name: 'node', argv: ['node', 'a.js'], rss: 100 * MiB, hwm: 100 * MiB, start: 2 });
    procs.set(18, {
      ppid: 11,
      name: 'node',
      argv: ['node', '/x/qwen-otel/dist/collector/main.js', '--session-dir', '/tmp/s'],
      rss: 60 * MiB,
      hwm: 60 * MiB,
      start: 5,
    });
    const tree = new TreeSampler(options(10), reader);
    expect(tree.sample(1000).total).toBe(100 * MiB);
  });
});
