// The one-line summary on stderr (QWEN_OTEL_SUMMARY=1). Each figure says whose it is and when:
// role peaks are each role's own, the largest heap is one process's own peak, and the
// diagnosis sums every process at the sample where the tree peaked.
import { MAX_LINE_BYTES, MAX_PARTIAL_BYTES } from '../channel/reader';
import { MAX_FILES } from '../channel/segments';
import type { RunRecord } from '../contracts/run-record';
import { MAX_PROCESSES_FROM_LINES } from '../session/line-processes';
import { heapEngineOf, mib } from '../session/diagnosis';

interface ProcessFigures {
  role: string;
  heap_used_peak_bytes: number | null;
  runtime?: string | null;
}

export function summaryLine(record: Record<string, unknown>, recordFile: string | null): string {
  const tree = record.tree as { rss_peak_bytes: number; rss_peak_by_role_bytes: Record<string, number> };
  const diagnosis = record.diagnosis as { class: string; reason: string };
  const roles = Object.entries(tree.rss_peak_by_role_bytes)
    .filter(([, bytes]) => bytes > 0)
    .map(([role, bytes]) => `${role} ${roundedMiB(bytes)}`)
    .join(', ');
  const parts = [
    `qwen-otel: ${record.cli}${record.cli_version ? ` ${record.cli_version}` : ''}`,
    `tree peak ${mib(tree.rss_peak_bytes)} MiB${roles ? ` (role peaks: ${roles})` : ''}`,
    largestHeap(record.processes as ProcessFigures[] | undefined),
    `${diagnosis.class}: ${diagnosis.reason}`,
    recordFile ? `record in ${recordFile}` : null,
  ];
  return parts.filter((p) => p !== null).join(' · ');
}

/** Under half a MiB rounds to 0: say "<1" rather than list a role at 0 MiB. */
function roundedMiB(bytes: number): string {
  return mib(bytes) === 0 ? '<1' : String(mib(bytes));
}

function largestHeap(processes: ProcessFigures[] | undefined): string | null {
  const largest = (processes ?? []).reduce<ProcessFigures | null>(
    (best, p) => ((p.heap_used_peak_bytes ?? 0) > (best?.heap_used_peak_bytes ?? 0) ? p : best),
    null,
  );
  if (!largest) return null;
  const engine = heapEngineOf([largest.runtime]);
  return `largest ${engine} heap ${roundedMiB(largest.heap_used_peak_bytes ?? 0)} MiB in use (${largest.role}, its own peak)`;
}

const LONG = `over ${MAX_LINE_BYTES / 1024} KiB, or past the ${MAX_PARTIAL_BYTES / 1024 / 1024} MiB of unfinished lines a session holds`;

/** One line naming the agents' input the collector skipped or could not get to, or null when there was none. */
export function droppedInputLine(record: RunRecord): string | null {
  const parts = [
    [record.dropped_lines, 'invalid line', 'invalid lines'],
    [record.dropped_long_lines, `line too long to hold (${LONG})`, `lines too long to hold (${LONG})`],
    [record.dropped_files, `channel file past ${thousands(MAX_FILES)}`, `channel files past ${thousands(MAX_FILES)}`],
    [
      record.dropped_processes,
      `process past ${thousands(MAX_PROCESSES_FROM_LINES)}`,
      `processes past ${thousands(MAX_PROCESSES_FROM_LINES)}`,
    ],
    [record.unread_bytes, 'byte unread', 'bytes unread'],
  ] as const;
  const said = parts.filter(([n]) => (n ?? 0) > 0).map(([n, one, many]) => `${thousands(n as number)} ${n === 1 ? one : many}`);
  return said.length > 0
    ? `qwen-otel: run ${record.run_id}: skipped in the agents' input: ${said.join(', ')}; counted in the record`
    : null;
}

/** 3977 as "3,977", without toLocaleString: its first call loads ICU's data: the collector's peak RSS went from 61.6 to 67.8 MiB (measured). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
