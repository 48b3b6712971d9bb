// The in-process agent: samples this process, notes how it ends, and hands everything to the
// collector through the session's channel. It loads no OpenTelemetry module (the bare SDK
// costs ~20 MB of RSS in every process it is loaded into, measured on Qwen Code 0.15.10); the collector, outside, exports.
import * as path from 'node:path';
import {
  type AgentMessage,
  type EndReason,
  type HeapProfileMessage,
  type HelloMessage,
  heapProfileWithout,
  type SampleMessage,
  type SpanMemory,
} from '../channel/protocol';
import { ChannelWriter } from '../channel/writer';
import { type Config, parseConfig } from '../config';
import { type EndDetails, installExitHooks } from './exit-hooks';
import { type SnapshotReason, takeHeapSnapshot } from './heap-snapshot';
import { noteRelaunch } from './relaunch';
import { detectPackage } from './identity';
import { Sampler } from './sampler';
import type { V8Heap } from '../probes/v8-heap';
import { OwnCost } from './own-cost';
import { installLazyTraffic } from './traffic-loader';
import { ENV } from '../contracts/session-layout';
import { joinOrCreateSession, markSessionEnd, type SessionHandle } from './session-join';

export interface Agent {
  readonly session: SessionHandle;
  send(message: AgentMessage): void;
  memory(): SpanMemory;
}

const AGENT_MARK_ENV = 'QWEN_OTEL_AGENT_PID';
/**
 * One agent per process even when two copies of qwen-otel are loaded (the preload bundle and the
 * CLI's own dependency): the instance lives on the global object under a registered symbol.
 */
const AGENT_KEY = Symbol.for('qwen-otel.agent');
/** Set by the preload just before it loads the agent, to measure what starting costs. */
const PRELOAD_START_KEY = Symbol.for('qwen-otel.preload-start');
const PRELOAD_CPU_KEY = Symbol.for('qwen-otel.preload-cpu');
type AgentSlot = { [AGENT_KEY]?: Agent | null };

function slot(): AgentSlot {
  return globalThis as AgentSlot;
}

/** Starts the agent once per process; null when off, in a worker thread, or in the collector. */
export function startAgent(): Agent | null {
  const existing = slot()[AGENT_KEY];
  if (existing !== undefined) return existing;
  slot()[AGENT_KEY] = null;
  const inheritedMark = process.env[AGENT_MARK_ENV];
  if (process.env[ENV.observer] === '1' || inWorkerThread()) return null;
  const { config } = parseConfig(process.env);
  if (!config.enabled) return null;
  const session = joinOrCreateSession(collectorScript());
  if (!session) return null;
  if (config.heapSnapshot.atExit) noteRelaunch(session.dir, inheritedMark);
  const agent = createAgent(config, session);
  slot()[AGENT_KEY] = agent;
  return agent;
}

/** dist/collector/main.js, whether this code runs from dist/agent/ or from the dist/register.js bundle. */
function collectorScript(): string {
  const base = path.basename(__dirname) === 'agent' ? path.dirname(__dirname) : __dirname;
  return path.join(base, 'collector', 'main.js');
}

/**
 * Preloads run in worker threads too. A worker's environment is a copy of its parent thread's,
 * so the main thread's mark (its pid) tells a worker it is not alone. It costs less than
 * loading node:worker_threads (3.6 ms) to ask. A child process inherits the mark with another pid.
 */
function inWorkerThread(): boolean {
  if (process.env[AGENT_MARK_ENV] === String(process.pid)) return true;
  process.env[AGENT_MARK_ENV] = String(process.pid);
  return false;
}

export function getAgent(): Agent | null {
  return slot()[AGENT_KEY] ?? null;
}

function createAgent(config: Config, session: SessionHandle): Agent {
  const writer = new ChannelWriter(session.dir, process.pid);
  const cost = new OwnCost();
  const snapshotDir = config.recordFile ? path.dirname(config.recordFile) : session.dir;
  const takeSnapshot = (reason: SnapshotReason): void => {
    const plan = { dir: snapshotDir, sessionId: session.id, sessionDir: session.dir, reason, withinMs: config.heapSnapshot.withinS * 1000 };
    const written = takeHeapSnapshot(plan);
    if (written) writer.send({ k: 'snapshot', t: Date.now(), reason, bytes: written.bytes });
  };
  let profiler: HeapProfilerHandle | null = null;
  const sampler = new Sampler(
    {
      // Every sample read, sent or not: the profiler waits for the heap to settle after a high.
      onRead: (s: SampleMessage) => {
        if (s.heap) profiler?.onSample(s.heap, s.gc);
      },
      onHeapPressure: (s: SampleMessage) =>
        writer.send({ k: 'pressure', t: s.t, heapUsed: s.heap?.oldUsed ?? 0, heapLimit: s.heap?.oldLimit ?? 0 }),
      onRssAbove: () => takeSnapshot('above'),
    },
    config.heapSnapshot.aboveMiB === null ? null : config.heapSnapshot.aboveMiB * 1024 * 1024,
    cost,
  );
  const hello = helloMessage(config, session);
  writer.send(hello);
  // Region indexes are kept in the state directory (private to the user), beside the sessions.
  profiler = config.heapProfile
    ? loadHeapProfiler(hello.cli?.name ?? null, (m) => writer.send(m), path.join(session.dir, '..', '..', 'heap-profile-regions'))
    : null;
  // The profiler captures once the heap has settled after a high, which it sees only in samples.
  if (profiler) sampler.readEveryTick();
  const send = (message: AgentMessage): void => {
    writer.send(message);
    if (message.k !== 'sample') return;
    const counted = traffic.takeHosts();
    if (counted) writer.send({ k: 'http', t: message.t, hosts: counted });
  };
  const traffic = installLazyTraffic({ send, memory: spanMemory, cost, skipOrigin: config.proxyOrigin });
  // The first sample waits for the first tick: at preload time the CLI has not started yet, and
  // what the preload does not do is not on the CLI's start-up path (the tree sampler has its RSS).
  sampler.start(config.sampleIntervalMs, send, () => traffic.hasHosts());
  installExitHooks((reason: EndReason, details: EndDetails, last: boolean) => {
    if (last) traffic.flush();
    try {
      const sample = sampler.sample(true);
      send({ k: 'final', t: sample.t, last, reason, ...details, sample, peaks: sampler.peaks, samples: sampler.count });
    } catch {
      // Never let our bookkeeping change how the CLI ends.
    }
    if (last && session.created && reason === 'exit') markSessionEnd(session, details.exitCode ?? 0);
    if (reason === 'exit') {
      sampler.stop();
      profiler?.finish();
      if (config.heapSnapshot.atExit) takeSnapshot('exit');
    }
  });
  if (config.heapSnapshot.onSignal) process.on('SIGUSR2', () => takeSnapshot('signal'));
  return { session, send, memory: spanMemory };
}

type HeapProfilerModule = typeof import('./heap-profile');
type HeapProfilerHandle = { onSample(heap: V8Heap, gc: SampleMessage['gc']): void; finish(): void };

/**
 * The profiler is loaded from its own files only when asked for (dist/agent/heap-profile/, beside
 * this file or beside the bundle's dist/agent/), so the agent's bundle does not carry it.
 */
function loadHeapProfiler(cliName: string | null, send: (m: HeapProfileMessage) => void, cacheDir: string): HeapProfilerHandle | null {
  const base = path.basename(__dirname) === 'agent' ? __dirname : path.join(__dirname, 'agent');
  try {
    const module = require(path.join(base, 'heap-profile', 'index.js')) as HeapProfilerModule;
    const bunMain = (globalThis as { Bun?: { main?: string } }).Bun?.main;
    return module.startHeapProfiler(bunMain ?? process.argv[1], cliName, send, cacheDir);
  } catch {
    send(heapProfileWithout('skipped', 'profiler not loaded', 0));
    return null;
  }
}

function helloMessage(config: Config, session: SessionHandle): HelloMessage {
  const began = (globalThis as { [PRELOAD_START_KEY]?: bigint })[PRELOAD_START_KEY];
  // Under Bun, argv[1] is the preload while it runs; Bun.main is the program's entry.
  const bunMain = (globalThis as { Bun?: { main?: string } }).Bun?.main;
  const cli = detectPackage(bunMain ?? process.argv[1]);
  return {
    k: 'hello',
    pid: process.pid,
    ppid: process.ppid,
    t: Date.now(),
    // process.uptime(), not performance.timeOrigin: the `performance` global loads perf_hooks (~2 ms).
    origin: Math.round(Date.now() - process.uptime() * 1000),
    role: config.role,
    sessionRoot: session.created,
    runtime: process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}`,
    cli,
    startUs: began === undefined ? null : Number((process.hrtime.bigint() - began) / 1000n),
    startCpuUs: startCpuUs(),
  };
}

/** The process's CPU since the preload began (process.cpuUsage: what starting the agent cost). */
function startCpuUs(): number | null {
  const began = (globalThis as { [PRELOAD_CPU_KEY]?: NodeJS.CpuUsage })[PRELOAD_CPU_KEY];
  if (!began) return null;
  const now = process.cpuUsage(began);
  return now.user + now.system;
}

/** Not from node:v8: process.memoryUsage() has the heap in use, and loading node:v8 costs a small process 1.4 MiB. */
function spanMemory(): SpanMemory {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed };
}
