// The observer effect, published: what qwen-otel itself costs, in the collector and the agents.
import type { LeanMeter as Meter } from './lean-meter';
import { isInstrumented } from '../session/process-table';
import type { Session } from '../session/session';

export function registerObserverMetrics(meter: Meter, session: Session): void {
  const component = { component: 'collector' };
  meter
    .createObservableGauge('qwen_otel.observer.memory.usage', { unit: 'By', description: "qwen-otel's own RSS (the collector process)" })
    .addCallback((r) => r.observe(process.memoryUsage.rss(), component));
  meter
    .createObservableGauge('qwen_otel.observer.memory.peak', {
      unit: 'By',
      description: "qwen-otel's own peak RSS (the collector process)",
    })
    .addCallback((r) => r.observe(process.resourceUsage().maxRSS * 1024, component));
  meter
    .createObservableGauge('qwen_otel.observer.heap.used', {
      unit: 'By',
      description: "The collector's V8 heap in use (after a full GC when the collector runs with --expose-gc, as in the soak benchmark)",
    })
    .addCallback((r) => {
      (globalThis as { gc?: () => void }).gc?.();
      r.observe(process.memoryUsage().heapUsed, component);
    });
  meter
    .createObservableCounter('qwen_otel.observer.cpu.time', {
      unit: 's',
      description:
        'CPU time qwen-otel spent: the collector process, and the agents inside instrumented processes (starting, sampling, reading model traffic; on a CPU clock)',
    })
    .addCallback((r) => {
      const cpu = process.cpuUsage();
      r.observe((cpu.user + cpu.system) / 1e6, component);
      const agentUs = session
        .processes()
        .filter(isInstrumented)
        .reduce((sum, e) => sum + (e.hello?.startCpuUs ?? 0) + (e.latest?.costUs ?? 0) + (e.latest?.trafficUs ?? 0), 0);
      r.observe(agentUs / 1e6, { component: 'agent' });
    });
}
