import type { McpCall } from '../model-server/script';

export type { McpCall } from '../model-server/script';

/** A workload: a repository generated the same way every time, a prompt, and the model's script. */

/** One tool call of the script, in words every CLI has a tool for. Paths are relative to the repository. */
export type WorkloadStep = { shell: string } | { read: string } | { grep: string };

export interface PreparedRepo {
  /** Files written (tracked or not), and their total bytes. */
  files: number;
  bytes: number;
  /** Bytes `git diff` prints in the prepared repository (0 when it is not a git repository). */
  diffBytes: number;
}

export interface Workload {
  /** Label value: `[a-z0-9-]`, also the `workload` label of every figure. */
  name: string;
  description: string;
  /** What the CLI is asked; the same text for every CLI. */
  prompt: string;
  /** Tool calls the scripted model asks for, in order, before its final answer. */
  steps: WorkloadStep[];
  answer: string;
  /**
   * Tools of MCP servers the model calls after `steps`, when the CLI offers them: with the server
   * configured it does real work (chrome-devtools starts its browser); without it the model
   * answers without the call, and the run still counts (`BenchResult.mcp_calls` says which).
   */
  mcpCalls?: McpCall[];
  /** Writes the repository into an empty directory. Deterministic: same bytes, same commit ids. */
  prepare(dir: string): PreparedRepo;
}
