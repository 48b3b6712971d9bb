// The one-line summary on stderr (QWEN_OTEL_SUMMARY=1).
import { mib } from '../session/diagnosis';

export function summaryLine(record: Record<string, unknown>, recordFile: string | null): string {
  const tree = record.tree as { rss_peak_bytes: number; rss_peak_by_role_bytes: Record<string, number> };
  const v8 = record.v8 as { heap_used_peak_bytes: number } | null;
  const diagnosis = record.diagnosis as { class: string; reason: string };
  const roles = Object.entries(tree.rss_peak_by_role_bytes)
    .filter(([, bytes]) => bytes > 0)
    .map(([role, bytes]) => `${role} ${mib(bytes)}`)
    .join(', ');
  const parts = [
    `qwen-otel: ${record.cli}${record.cli_version ? ` ${record.cli_version}` : ''}`,
    `tree peak ${mib(tree.rss_peak_bytes)} MiB${roles ? ` (${roles})` : ''}`,
    v8 ? `heap peak ${mib(v8.heap_used_peak_bytes)} MiB` : null,
    `${diagnosis.class}: ${diagnosis.reason}`,
    recordFile ? `record in ${recordFile}` : null,
  ];
  return parts.filter((p) => p !== null).join(' · ');
}
