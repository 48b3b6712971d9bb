// This process's memory: Node's view (heap, external, array buffers) and the kernel's (RSS and
// its high-water mark). Off Linux the kernel figures come from what Node offers.
import { ProcFile } from './proc-file';
import { parseProcStatus } from './proc-status';

export interface ProcessMemory {
  rss: number;
  /** Peak RSS as the kernel records it (VmHWM), so a peak between two samples is not missed. */
  hwm: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

let selfStatus: ProcFile | null = null;

export function readProcessMemory(): ProcessMemory {
  const usage = process.memoryUsage();
  selfStatus ??= new ProcFile('/proc/self/status');
  const text = selfStatus.read();
  const status = text === null ? null : parseProcStatus(text);
  return {
    rss: status?.rssBytes ?? usage.rss,
    hwm: status?.hwmBytes ?? process.resourceUsage().maxRSS * 1024,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
}
