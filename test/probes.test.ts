import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCmdline } from '../src/probes/cmdline';
import { parseChildren } from '../src/probes/proc-children';
import { parseProcStat } from '../src/probes/proc-stat';
import { parseProcStatus, readProcStatus } from '../src/probes/proc-status';
import { descendantsViaChildren, descendantsViaParents } from '../src/probes/process-tree';
import { classifyRole, type RoleInput } from '../src/probes/roles';
import { oldGenerationLimit, toV8Heap } from '../src/probes/v8-heap';
import { readProcessMemory } from '../src/probes/process-memory';
import * as v8 from 'node:v8';

const fixture = (name: string): string => readFileSync(path.join(__dirname, 'fixtures', 'proc', name), 'latin1');

describe('/proc/<pid>/status', () => {
  it('reads name, state, parent, RSS and the high-water mark in bytes', () => {
    expect(parseProcStatus(fixture('status-node.txt'))).toEqual({
      name: 'node',
      state: 'S',
      ppid: 4200,
      rssBytes: 689148 * 1024,
      hwmBytes: 727812 * 1024,
      threads: 11,
    });
  });

  it('gives a zombie no memory figures', () => {
    const status = parseProcStatus(fixture('status-zombie.txt'));
    expect(status).toMatchObject({ name: 'bash', state: 'Z', ppid: 4242, rssBytes: null, hwmBytes: null });
  });

  it('does not take a field for one whose name ends the same (VmRSS is not RssAnon)', () => {
    expect(parseProcStatus('Name:\tx\nRssAnon:\t5 kB\nVmRSS:\t7 kB\n').rssBytes).toBe(7 * 1024);
    expect(parseProcStatus('VmRSS:\t7 kB').rssBytes).toBe(7 * 1024);
  });

  it('is null for a process that is gone, and real for this one', () => {
    expect(readProcStatus(2 ** 22 + 1)).toBeNull();
    const self = readProcStatus('self');
    expect(self?.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(self?.hwmBytes).toBeGreaterThanOrEqual(self?.rssBytes ?? Infinity);
  });
});

describe('/proc/<pid>/stat', () => {
  it('finds the parent and start time past a command name holding spaces and parentheses', () => {
    expect(parseProcStat(fixture('stat-odd-comm.txt'))).toEqual({
      pid: 4242,
      comm: 'node (worker) x',
      state: 'S',
      ppid: 4200,
      startTicks: 77123,
    });
  });

  it('rejects text that is not a stat line', () => {
    expect(parseProcStat('garbage')).toBeNull();
  });
});

describe('children and command lines', () => {
  it('parses the children list', () => {
    expect(parseChildren(fixture('children.txt'))).toEqual([4243, 4250]);
    expect(parseChildren('')).toEqual([]);
  });

  it('splits a command line on NUL', () => {
    expect(parseCmdline(fixture('cmdline-worker.bin'))).toEqual([
      'node',
      '/opt/tools/lib/node_modules/@qwen-code/qwen-code/cli.js',
      '--approval-mode',
      'yolo',
    ]);
  });
});

describe('the process tree', () => {
  const tree = new Map<number, number[]>([
    [1, [2, 3]],
    [2, [4]],
    [4, [5]],
    [3, []],
  ]);

  it('walks children files breadth first, tolerating processes that vanished', () => {
    expect(descendantsViaChildren(1, (pid) => (pid === 4 ? null : (tree.get(pid) ?? [])))).toEqual([2, 3, 4]);
    expect(descendantsViaChildren(1, (pid) => tree.get(pid) ?? [])).toEqual([2, 3, 4, 5]);
  });

  it('survives a cycle', () => {
    expect(descendantsViaChildren(1, (pid) => (pid === 1 ? [2] : [1]))).toEqual([2]);
  });

  it('gives the same tree from a parent map (the fallback scan)', () => {
    const parents = new Map([
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 4],
      [9, 8],
    ]);
    expect(descendantsViaParents(1, parents).sort()).toEqual([2, 3, 4, 5]);
  });
});

describe('roles', () => {
  const base: RoleInput = {
    argv: [],
    name: '',
    parentRole: 'cli',
    isRoot: false,
    cliPackageDir: '/opt/tools/lib/node_modules/@qwen-code/qwen-code',
  };
  const role = (over: Partial<RoleInput>): string => classifyRole({ ...base, ...over });

  it('names the root the cli', () => {
    expect(role({ isRoot: true, argv: ['node', 'x.js'] })).toBe('cli');
  });

  it('names a relaunch of the same package a cli_worker', () => {
    expect(role({ argv: parseCmdline(fixture('cmdline-worker.bin')) })).toBe('cli_worker');
  });

  it('takes a helper binary the CLI ships for a tool, not its worker', () => {
    // Qwen Code 0.15.10 runs its own ripgrep (seen as an extra `cli_worker` in a loaded CI run).
    const rg = '/opt/tools/lib/node_modules/@qwen-code/qwen-code/vendor/ripgrep/x64-linux/rg';
    expect(role({ argv: [rg, '--version'] })).toBe('tool');
    expect(role({ argv: [rg, '--json', 'x'], parentRole: 'cli_worker' })).toBe('tool');
    expect(role({ argv: [rg, '--files'], parentRole: 'tool' })).toBe('tool');
  });

  it('takes a shell whose command text names a coding CLI for a tool, and the CLI it starts for a subagent', () => {
    // Claude Code 2.1.112's shell snapshot: its command names the package's ripgrep (3 of 21 runs
    // showed it as a subagent while the record counted none).
    const claude = '/usr/lib/node_modules/@anthropic-ai/claude-code';
    const snapshot = `SNAPSHOT_FILE=/root/.claude/shell-snapshots/snapshot-bash-1.sh\nalias rg='${claude}/vendor/ripgrep/x64-linux/rg'`;
    const cli = { parentRole: 'cli' as const, cliPackageDir: claude };
    expect(role({ argv: ['/bin/bash', '-c', '-l', snapshot], ...cli })).toBe('tool');
    expect(role({ argv: ['/bin/sh', '-c', 'qwen -p hello'], ...cli })).toBe('tool');
    expect(
      role({
        argv: ['node', '/usr/lib/node_modules/@qwen-code/qwen-code/cli.js', '-p', 'hello'],
        parentRole: 'tool',
        cliPackageDir: claude,
      }),
    ).toBe('subagent');
  });

  it('recognises MCP servers, and their children', () => {
    expect(role({ argv: ['node', '/x/node_modules/.bin/chrome-devtools-mcp'] })).toBe('mcp_server');
    expect(role({ argv: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp'] })).toBe('mcp_server');
    expect(role({ argv: ['chrome', '--headless'], parentRole: 'mcp_server' })).toBe('mcp_server');
  });

  it('recognises an MCP server installed from npm by its package, wherever its script lives', () => {
    // Qwen Code 0.15.10 with `command: <prefix>/node_modules/.bin/mcp-server-memory`: the kernel
    // runs the shebang's node on the resolved script, whose file name says nothing.
    const memory = '/c/_mcp/node_modules/@modelcontextprotocol/server-memory/dist/index.js';
    expect(role({ argv: ['node', memory] })).toBe('mcp_server');
    expect(role({ argv: ['/usr/local/bin/node', '/c/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', '/work'] })).toBe(
      'mcp_server',
    );
    // npx, once it has set its process title.
    expect(role({ argv: ['npm', 'exec', '@modelcontextprotocol/server-memory'] })).toBe('mcp_server');
    // A server outside node_modules, known from its package.json.
    expect(role({ argv: ['node', '/srv/tools/dist/index.js'], scriptPackage: { name: 'acme-tools', dependsOnMcpSdk: true } })).toBe(
      'mcp_server',
    );
    expect(role({ argv: ['node', '/srv/helper.js'], scriptPackage: { name: 'acme-helper', dependsOnMcpSdk: false } })).toBe('other');
    // Coding CLIs are MCP clients and depend on the SDK too.
    const qwen = { name: '@qwen-code/qwen-code', dependsOnMcpSdk: true };
    expect(
      role({
        argv: ['node', '/y/lib/node_modules/@qwen-code/qwen-code/cli.js'],
        parentRole: 'tool',
        cliPackageDir: null,
        scriptPackage: qwen,
      }),
    ).toBe('subagent');
    expect(role({ argv: ['node', '/x/node_modules/left-pad/index.js'] })).toBe('other');
  });

  it('does not take a tool that mentions mcp in its arguments for an MCP server', () => {
    expect(role({ argv: ['rg', 'mcp'] })).toBe('tool');
    expect(role({ argv: ['cat', 'packages/core/src/mcp/client.ts'] })).toBe('tool');
    expect(role({ argv: ['python3', '-m', 'mcp_server_git'] })).toBe('mcp_server');
    expect(role({ argv: ['node', 'scripts/build.js', 'mcp'] })).toBe('other');
    expect(role({ argv: ['uvx', 'mcp-server-git'] })).toBe('mcp_server');
  });

  it('recognises shells and the tools they run', () => {
    expect(role({ argv: ['/bin/bash', '-c', 'git diff'] })).toBe('tool');
    expect(role({ argv: ['git', 'diff'], parentRole: 'tool' })).toBe('tool');
    expect(role({ argv: ['python3', '-c', 'pass'] })).toBe('tool');
  });

  it("takes the root CLI's own native binary for its worker, another CLI's for a subagent", () => {
    const codex = '/x/node_modules/@openai/codex';
    const binary = '/x/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex';
    expect(role({ argv: [binary, 'exec'], parentRole: 'cli', cliPackageDir: codex })).toBe('cli_worker');
    expect(role({ argv: [binary, 'exec'], parentRole: 'cli', cliPackageDir: '/x/node_modules/@qwen-code/qwen-code' })).toBe('subagent');
    expect(role({ argv: [binary, 'exec'], parentRole: 'tool', cliPackageDir: codex })).toBe('subagent');
  });

  it('recognises another coding CLI as a subagent, even under a shell', () => {
    expect(role({ argv: ['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js', '-p', 'x'], parentRole: 'tool' })).toBe(
      'subagent',
    );
    expect(role({ argv: ['/usr/local/bin/codex', 'exec'] })).toBe('subagent');
  });

  it('calls an unrelated Node child other', () => {
    expect(role({ argv: ['node', '/srv/helper.js'] })).toBe('other');
  });
});

describe('in-process readers', () => {
  it('maps V8 statistics and every heap space, the old generation apart', () => {
    const spaces = v8.getHeapSpaceStatistics();
    const heap = toV8Heap(v8.getHeapStatistics(), spaces, 123);
    expect(heap.limit).toBeGreaterThan(heap.total);
    expect(heap.spaces.map((s) => s.name)).toEqual(spaces.map((s) => s.space_name));
    const young = spaces.filter((s) => s.space_name.startsWith('new_')).reduce((sum, s) => sum + s.space_used_size, 0);
    expect(heap.oldUsed).toBe(spaces.reduce((sum, s) => sum + s.space_used_size, 0) - young);
    expect(heap.oldLimit).toBe(123);
  });

  it('finds the old generation limit from the flag, the last one winning, else from the heap limit', () => {
    expect(oldGenerationLimit(96 * 2 ** 20, ['--max-old-space-size=48'])).toBe(48 * 2 ** 20);
    expect(oldGenerationLimit(96 * 2 ** 20, ['--max_old_space_size=10', '--max-old-space-size=64'])).toBe(64 * 2 ** 20);
    expect(oldGenerationLimit(4144 * 2 ** 20, ['--expose-gc'])).toBe(4096 * 2 ** 20);
  });

  it('reads this process: RSS, its high-water mark, heap and external', () => {
    const mem = readProcessMemory();
    expect(mem.hwm).toBeGreaterThanOrEqual(mem.rss);
    expect(mem.heapUsed).toBeLessThanOrEqual(mem.heapTotal);
    expect(mem.arrayBuffers).toBeLessThanOrEqual(mem.external);
  });
});
