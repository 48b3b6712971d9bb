// The sampling heap profiler in this process (QWEN_OTEL_HEAP_PROFILE=1), over an in-process
// node:inspector session: started once, captured at the heap's high points (see policy.ts), each
// capture summed by origin at once and the profile dropped. Only the summary leaves.
import type * as inspector from 'node:inspector';
import { type HeapProfileMessage, heapProfileWithout } from '../../channel/protocol';
import type { V8Heap } from '../../probes/v8-heap';
import { v8Api } from '../../probes/v8-heap';
import { attribute, type ProfileNode, topEntries } from './attribute';
import { type CaptureState, decide, MAX_PAUSE_MS, NEAR_LIMIT_FRACTION, newCaptureState, noteCapture, uncapturedHigh } from './policy';
import { FrameResolver } from './resolve';
import type { InstallRoot } from './origin';

/**
 * One sample per 256 KiB allocated on average. The sampled total's spread against V8's live heap
 * is about the square root of interval / live: 512 KiB left Qwen Code 0.15.10's worker (113 MiB
 * live) at 87-103 % of it, one capture in four outside 10 %; 256 KiB gave 94-99 % (and the
 * parent 94-102 %) with no cost the paired runs could see (worker CPU +5 ms main, +10 ms helpers,
 * medians of 4 pairs).
 */
export const SAMPLING_INTERVAL_BYTES = 256 * 1024;
/** Entries kept per capture, by package and by module; the rest is summed as `(other)`. */
export const TOP_ENTRIES = 20;

type Send = (message: HeapProfileMessage) => void;

export class HeapProfiler {
  private readonly state: CaptureState = newCaptureState();
  /** Full collections forced by this profiler's captures and not yet seen in the GC figures. */
  private ownCollections = 0;
  private readonly resolver: FrameResolver;

  private constructor(
    private readonly session: inspector.Session,
    roots: InstallRoot[],
    private readonly send: Send,
    cacheDir: string | null,
  ) {
    this.resolver = new FrameResolver(roots, cacheDir);
  }

  /** Starts sampling, or sends one line saying why not and returns null. */
  static start(roots: InstallRoot[], send: Send, cacheDir: string | null = null): HeapProfiler | null {
    const skip = (reason: string): null => {
      send(heapProfileWithout('skipped', reason, 0));
      return null;
    };
    if (process.versions.bun) return skip('no V8 inspector (Bun)');
    const inspectorModule = require('node:inspector') as typeof inspector;
    if (inspectorModule.url() !== undefined || process.execArgv.some((a) => /^--inspect/.test(a))) {
      return skip('inspector already attached');
    }
    try {
      const session = new inspectorModule.Session();
      session.connect();
      let failed: Error | null = null;
      session.post(
        'HeapProfiler.startSampling',
        {
          samplingInterval: SAMPLING_INTERVAL_BYTES,
          includeObjectsCollectedByMajorGC: false,
          includeObjectsCollectedByMinorGC: false,
        },
        (error) => {
          failed = error;
        },
      );
      if (failed) return skip('could not start sampling');
      return new HeapProfiler(session, roots, send, cacheDir);
    } catch {
      return skip('could not start sampling');
    }
  }

  /**
   * Called with each of the agent's samples and the collections since the last one; never throws
   * (the sampler stops on an error).
   */
  onSample(heap: V8Heap, gc: ReadonlyArray<readonly [string, number]> = []): void {
    const full = gc.filter(([kind]) => kind === 'major').length;
    const collected = full > this.ownCollections;
    this.ownCollections = Math.max(0, this.ownCollections - full);
    const decision = decide(this.state, heap.used, heap.oldUsed, heap.oldLimit, collected);
    if (decision === 'wait') return;
    if (decision === 'near-limit') {
      this.state.stopped = true;
      this.send(heapProfileWithout('skipped', 'heap near its limit', this.state.captures));
      return;
    }
    try {
      this.capture(this.state.high);
    } catch {
      this.stop();
      this.send(heapProfileWithout('failed', 'capture failed; no more captures', this.state.captures));
    }
  }

  /** `heapUsed`: the high point this capture stands for. */
  private capture(heapUsed: number): void {
    noteCapture(this.state);
    this.ownCollections += 1;
    const began = process.hrtime.bigint();
    let profile: { head: ProfileNode } | null = null;
    try {
      // An in-process session answers synchronously: the callback has run when post returns.
      this.session.post('HeapProfiler.getSamplingProfile', (error, result) => {
        if (!error) profile = (result as { profile: { head: ProfileNode } }).profile;
      });
    } catch {
      profile = null;
    }
    const pauseMs = msSince(began);
    const heapUsedAfter = v8Api().getHeapStatistics().used_heap_size;
    const message = heapProfileWithout('failed', 'no profile', this.state.captures);
    message.heapUsed = heapUsed;
    message.pauseMs = pauseMs;
    message.heapUsedAfter = heapUsedAfter;
    if (pauseMs > MAX_PAUSE_MS) this.stop();
    const captured = profile as { head: ProfileNode } | null;
    if (captured) {
      const attributing = process.hrtime.bigint();
      try {
        const sums = attribute(captured.head, this.resolver);
        Object.assign(message, {
          status: 'captured',
          reason: pauseMs > MAX_PAUSE_MS ? 'pause over its bound; no more captures' : null,
          sampled: sums.total,
          byPackage: topEntries(sums.byPackage, TOP_ENTRIES),
          byModule: topEntries(sums.byModule, TOP_ENTRIES),
        });
      } catch {
        message.reason = 'attribution failed';
      }
      message.attributeMs = msSince(attributing);
    }
    this.send(message);
  }

  /** At exit: one capture if none was taken and the heap passed the mark (its pause is on the exit path, once), then stop. */
  finish(): void {
    if (uncapturedHigh(this.state)) {
      const heap = v8Api().getHeapStatistics();
      try {
        if (heap.used_heap_size < NEAR_LIMIT_FRACTION * heap.heap_size_limit) this.capture(this.state.high);
      } catch {
        this.send(heapProfileWithout('failed', 'capture failed at exit', this.state.captures));
      }
    }
    this.stop();
  }

  /**
   * Ends sampling by disconnecting the session (V8 stops the sampler as the session goes), never
   * with `HeapProfiler.stopSampling`: that builds a whole profile first, behind a full GC, on the
   * exit path (372 ms in Qwen Code 0.15.10's worker at a load of 4, nothing else waiting on it).
   */
  stop(): void {
    if (this.state.stopped) return;
    this.state.stopped = true;
    try {
      this.session.disconnect();
    } catch {
      // Already gone at exit: nothing to undo.
    }
  }
}

function msSince(began: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - began) / 1e4) / 100;
}
