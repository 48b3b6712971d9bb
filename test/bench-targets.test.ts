// `cli@branch[=COMMAND]` targets and the bench's options: what each means, and one clear line for bad input.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseOptions } from '../src/bench/matrix/options';
import { defaultCliCacheDir } from '../src/bench/targets/install';
import { genericInvocation } from '../src/bench/targets/presets';
import { parseTarget, splitWords } from '../src/bench/targets/target-spec';
import { REPO } from './helpers/e2e';

describe('parseTarget', () => {
  it('a published version of a preset', () => {
    expect(parseTarget('qwen@0.24.4')).toEqual({ label: 'qwen@0.24.4', cli: 'qwen', branch: '0.24.4', command: null });
    expect(parseTarget('claude')).toEqual({ label: 'claude@2.1.112', cli: 'claude', branch: '2.1.112', command: null });
  });

  it('a local build by command, relative paths made absolute', () => {
    const cwd = path.resolve(__dirname, '..');
    const t = parseTarget('qwen@my-branch=node "dist/cli.js" --flag', cwd);
    expect(t).toEqual({
      label: 'qwen@my-branch',
      cli: 'qwen',
      branch: 'my-branch',
      command: ['node', path.join(cwd, 'dist/cli.js'), '--flag'],
    });
  });

  it('any other command with the generic preset', () => {
    expect(parseTarget('crash@x=node -e "process.abort()"').command).toEqual(['node', '-e', 'process.abort()']);
  });

  it.each([
    ['qwen@my-branch', /not a published version; for a local build give its command: qwen@my-branch="node/],
    ['mycli@1.0.0', /"mycli" has no preset \(qwen, claude, gemini, codex\); give its command: mycli@1.0.0="COMMAND"/],
    ['@1.0.0', /"" is not a CLI name/],
    ['qwen@', /"" is not a branch or version name/],
    ['qwen@x=', /the command after "=" is empty/],
    ['qwen@x=node "unclosed', /unclosed " in the command/],
    ['qwen@a/b', /"a\/b" is not a branch or version name/],
  ])('%s is refused', (text, message) => {
    expect(() => parseTarget(text)).toThrow(message);
  });

  it('splits words like a shell', () => {
    expect(splitWords(`a 'b c' "d \\"e\\"" f\\ g`, 'x')).toEqual(['a', 'b c', 'd "e"', 'f g']);
  });
});

describe('the generic preset', () => {
  it('passes the prompt last and points every known variable at the server', () => {
    const inv = genericInvocation({ baseUrl: 'http://127.0.0.1:5/', prompt: 'do it', home: '/h' });
    expect(inv.args).toEqual(['do it']);
    expect(inv.env).toMatchObject({
      HOME: '/h',
      OPENAI_BASE_URL: 'http://127.0.0.1:5/v1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:5',
      QWEN_OTEL_BENCH_BASE_URL: 'http://127.0.0.1:5',
    });
  });
});

describe('the CLI cache', () => {
  it('is per user and overridable, never inside the installed package', () => {
    expect(defaultCliCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/qwen-otel/clis');
    expect(defaultCliCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/qwen-otel/clis');
    expect(defaultCliCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: 'relative' })).toBe('/home/u/.cache/qwen-otel/clis');
    expect(defaultCliCacheDir({ HOME: '/home/u', QWEN_OTEL_CLI_CACHE_DIR: '/srv/clis' })).toBe('/srv/clis');
    // A global install (npm -g) would have written into <prefix>/lib/node_modules/qwen-otel/.cache.
    expect(defaultCliCacheDir({ HOME: '/home/u' }).startsWith(REPO)).toBe(false);
    // The suite itself keeps its CLIs in the checkout (vitest.config.mts).
    expect(defaultCliCacheDir()).toBe(path.join(REPO, '.cache', 'clis'));
  });
});

describe('parseOptions', () => {
  it('defaults to the full matrix', () => {
    const o = parseOptions([]);
    if (typeof o === 'string') throw new Error(o);
    expect(o.targets.map((t) => t.label)).toEqual(['qwen@0.15.10', 'qwen@0.24.4', 'claude@2.1.112', 'codex@0.169.0']);
    expect(o.workloads.map((w) => w.name)).toEqual(['pr-review', 'code-nav', 'diff-100k', 'diff-1m', 'diff-5m']);
    expect([o.repeats, o.warmup, o.timeoutMs, o.baseline, o.instrumented]).toEqual([3, 1, 300_000, 'qwen@0.15.10', true]);
  });

  it('--quick: two workloads, one repeat, no warm-up', () => {
    const o = parseOptions(['--quick', '--target', 'claude@2.1.112', '--timeout=90s']);
    if (typeof o === 'string') throw new Error(o);
    expect([o.workloads.map((w) => w.name), o.repeats, o.warmup, o.timeoutMs]).toEqual([['pr-review', 'diff-100k'], 1, 0, 90_000]);
  });

  it('takes a value after = (a target command may hold = itself) and repeated options in order', () => {
    const o = parseOptions([
      '--target=demo@main=node demo.js --retain=20',
      '--target',
      'qwen@0.15.10',
      '--workload',
      'pr-review',
      '--workload=diff-100k',
      '--plain',
      '--metrics-port=off',
    ]);
    if (typeof o === 'string') throw new Error(o);
    expect(o.targets.map((t) => t.label)).toEqual(['demo@main', 'qwen@0.15.10']);
    expect([o.workloads.map((w) => w.name), o.instrumented, o.metricsPort]).toEqual([['pr-review', 'diff-100k'], false, null]);
  });

  it.each([
    [['--repeats', '0'], /--repeats "0" must be a whole number from 1/],
    [['--timeout', 'soon'], /--timeout "soon" is not a duration/],
    [['--target', 'qwen@0.15.10', '--baseline', 'claude@2.1.112'], /--baseline claude@2.1.112 is not one of the targets/],
    [['--target', 'qwen', '--target', 'qwen@0.15.10'], /target qwen@0.15.10 is given twice/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['qwen@0.15.10'], /Unexpected argument 'qwen@0.15.10'/],
    [['--workload'], /'--workload <value>' argument missing/],
    [['--metrics-port', 'x'], /--metrics-port "x" must be 0-65535 or off/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('durations', () => {
    expect([parseDuration('300s'), parseDuration('5m'), parseDuration('1500ms'), parseDuration('2')]).toEqual([
      300_000, 300_000, 1500, 2000,
    ]);
  });
});
