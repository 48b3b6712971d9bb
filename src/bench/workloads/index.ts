// Workloads by name (built in) or from a JSON file.
import { existsSync } from 'node:fs';
import { BUILTIN_WORKLOADS } from './builtin';
import type { Workload } from './types';
import { loadWorkloadFile } from './user';

export type { Workload, WorkloadStep, PreparedRepo } from './types';
export { BUILTIN_WORKLOADS } from './builtin';
export { workloadScripts } from './scripts';

/** The default matrix: every built-in workload but those needing a configured MCP server. */
export const DEFAULT_WORKLOAD_NAMES = BUILTIN_WORKLOADS.filter((w) => !w.mcpCalls).map((w) => w.name);
export const QUICK_WORKLOAD_NAMES = ['pr-review', 'diff-100k'];

/** Each argument is a built-in name, a comma list of them, or a JSON file of one or more workloads. */
export function resolveWorkloads(args: string[]): Workload[] {
  const out: Workload[] = [];
  for (const arg of args) {
    if (arg.endsWith('.json') || (arg.includes('/') && existsSync(arg))) {
      if (!existsSync(arg)) throw new Error(`workload file ${arg} does not exist`);
      out.push(...loadWorkloadFile(arg));
      continue;
    }
    for (const name of arg.split(',').filter(Boolean)) {
      const found = BUILTIN_WORKLOADS.find((w) => w.name === name);
      if (!found)
        throw new Error(
          `unknown workload "${name}"; built in: ${BUILTIN_WORKLOADS.map((w) => w.name).join(', ')}, or a JSON file (docs/bench.md)`,
        );
      out.push(found);
    }
  }
  const names = out.map((w) => w.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new Error(`workload "${twice}" is given twice`);
  return out;
}
