// Workloads from a JSON file (format in docs/bench.md): files committed, changes left in the working
// tree, the steps and the answer. Checked whole before anything runs; each problem is named once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { commitAll, diffBytes, writeFiles } from './repo';
import type { Workload, WorkloadStep } from './types';

export const WORKLOAD_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

interface WorkloadFile {
  name: string;
  description?: string;
  prompt: string;
  files: Record<string, string>;
  changes?: Record<string, string>;
  steps: WorkloadStep[];
  answer?: string;
}

export function loadWorkloadFile(file: string): Workload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`workload file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  return entries.map((entry, index) => toWorkload(checkEntry(entry, `workload file ${file}${entries.length > 1 ? ` [${index}]` : ''}`)));
}

function checkEntry(value: unknown, where: string): WorkloadFile {
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected an object');
  const entry = value as Record<string, unknown>;
  if (typeof entry.name !== 'string' || !WORKLOAD_NAME.test(entry.name)) fail('"name" must match [a-z0-9][a-z0-9._-]* (up to 64)');
  if (typeof entry.prompt !== 'string' || entry.prompt.trim() === '') fail('"prompt" must be a non-empty string');
  for (const key of ['files', 'changes'] as const) {
    const map = entry[key];
    if (map === undefined && key === 'changes') continue;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) fail(`"${key}" must map relative paths to file contents`);
    for (const [file, content] of Object.entries(map as object)) {
      if (typeof content !== 'string') fail(`"${key}.${file}" must be a string`);
      if (path.isAbsolute(file) || path.normalize(file).startsWith('..')) fail(`"${key}.${file}" must stay inside the repository`);
    }
  }
  if (!Array.isArray(entry.steps)) fail('"steps" must be a list of {"shell"|"read"|"grep": "..."}');
  for (const [i, step] of (entry.steps as unknown[]).entries()) {
    const keys = typeof step === 'object' && step !== null ? Object.keys(step) : [];
    const ok =
      keys.length === 1 && ['shell', 'read', 'grep'].includes(keys[0]) && typeof (step as Record<string, unknown>)[keys[0]] === 'string';
    if (!ok) fail(`steps[${i}] must be one of {"shell": "..."}, {"read": "path"}, {"grep": "pattern"}`);
  }
  if (entry.answer !== undefined && typeof entry.answer !== 'string') fail('"answer" must be a string');
  return entry as unknown as WorkloadFile;
}

function toWorkload(entry: WorkloadFile): Workload {
  return {
    name: entry.name,
    description: entry.description ?? `from a workload file (${Object.keys(entry.files).length} files, ${entry.steps.length} steps)`,
    prompt: entry.prompt,
    steps: entry.steps,
    answer: entry.answer ?? 'Done.',
    prepare(dir) {
      const written = writeFiles(dir, entry.files);
      commitAll(dir, 'Initial import');
      if (entry.changes) writeFiles(dir, entry.changes);
      return { ...written, diffBytes: diffBytes(dir) };
    },
  };
}
