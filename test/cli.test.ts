// The `qwen-otel` command's non-run subcommands.
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { shellExports } from '../src/cli';
import { redactSecrets } from '../src/redact';
import { BIN, REGISTER, sandbox, writeScript } from './helpers/e2e';

const env = { PATH: process.env.PATH, HOME: '/tmp' };

describe('qwen-otel', () => {
  it('env prints exports that add the preload once, keep existing options, and survive quoting', () => {
    expect(shellExports({}, '/opt/q/dist/register.js')).toContain("export NODE_OPTIONS='--require /opt/q/dist/register.js'");
    expect(shellExports({ NODE_OPTIONS: "--max-old-space-size=4096 --title='x'" }, '/opt/q/dist/register.js')).toContain(
      `export NODE_OPTIONS='--max-old-space-size=4096 --title='\\''x'\\'' --require /opt/q/dist/register.js'`,
    );
    const twice = shellExports({ NODE_OPTIONS: '--require /opt/q/dist/register.js' }, '/opt/q/dist/register.js');
    expect(twice).toContain("export NODE_OPTIONS='--require /opt/q/dist/register.js'\n");
    expect(shellExports({}, '/my dir/register.js')).toContain(`--require "/my dir/register.js"`);
    expect(shellExports({}, '/opt/q/dist/register.js')).toContain("export BUN_OPTIONS='--preload=/opt/q/dist/register.js'");
  });

  it('env, evaluated by a shell, turns the preload on for QWEN_OTEL=1 commands only', async () => {
    const box = sandbox('env-eval');
    const script = writeScript(box.dir, 'x.js', 'console.log(typeof globalThis[Symbol.for("qwen-otel.agent")])');
    const shell = `eval "$(${BIN} env)"; node ${script}; QWEN_OTEL=1 node ${script}`;
    const result = await runCommand('sh', ['-c', shell], { env: box.env });
    expect(result.stdout).toBe('undefined\nobject\n');
    expect(REGISTER).toContain('dist/register.js');
  });

  it('config shows what the settings resolve to, and exits 1 naming a bad one', async () => {
    const good = await runCommand(BIN, ['config'], { env: { ...env, QWEN_OTEL_WORKLOAD: 'w1' } });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ workload: 'w1', prometheus: { port: 19464, avoid: [9464] } });
    const bad = await runCommand(BIN, ['config'], { env: { ...env, QWEN_OTEL_PROMETHEUS_PORT: 'ninety' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('QWEN_OTEL_PROMETHEUS_PORT="ninety" is not valid');
  });

  it("config never prints credentials: a URL's user and password are masked", async () => {
    const secret = {
      ...env,
      QWEN_OTEL_PUSHGATEWAY_URL: 'https://ci-bot:s3cr3t-t0ken@push.example:9091/prefix',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://tok3n@otlp.example',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t',
    };
    const result = await runCommand(BIN, ['config'], { env: secret });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/s3cr3t|tok3n|ci-bot/);
    expect(JSON.parse(result.stdout)).toMatchObject({
      pushgatewayUrl: 'https://***@push.example:9091/prefix',
      traces: { endpoint: 'https://***@otlp.example/v1/traces' },
    });
    const bad = await runCommand(BIN, ['config'], { env: { ...env, QWEN_OTEL_PUSHGATEWAY_URL: 'ftp://ci-bot:s3cr3t@push.example' } });
    expect([bad.code, bad.stdout + bad.stderr]).toEqual([1, expect.not.stringMatching(/s3cr3t|ci-bot/)]);
    expect(redactSecrets({ headers: { authorization: 'Bearer x' }, otlpHeaders: 'api-key=y', list: ['http://u:p@h'] })).toEqual({
      headers: { authorization: '***' },
      otlpHeaders: '***',
      list: ['http://***@h'],
    });
  });

  it.each([
    ['env', 'usage: qwen-otel env'],
    ['config', 'usage: qwen-otel config'],
    ['model-server', 'usage: qwen-otel model-server [--port N]'],
    ['bench', 'usage: qwen-otel bench'],
    ['report', 'usage: qwen-otel report'],
    ['compare', 'usage: qwen-otel compare'],
  ])('%s --help prints its usage and does nothing else', async (command, usage) => {
    // A model server that started would never exit: the timeout would end it instead.
    const result = await runCommand(BIN, [command, '--help'], { env, timeoutMs: 30_000 });
    expect([result.code, result.timedOut, result.stderr]).toEqual([0, false, '']);
    expect(result.stdout.startsWith(usage)).toBe(true);
    expect(result.stdout).not.toMatch(/^export |scripted model at|"prometheus"/m);
  });

  it.each([
    ['env', '--frobnicate'],
    ['config', 'extra'],
    ['model-server', '--port'],
    ['model-server', '--port=http'],
    ['bench', '--frobnicate'],
  ])('%s %s is refused with one line', async (command, arg) => {
    const result = await runCommand(BIN, [command, arg], { env, timeoutMs: 30_000 });
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(new RegExp(`^qwen-otel ${command}: .*\n$`));
  });

  it('helps, tells its version, and refuses an unknown command', async () => {
    expect((await runCommand(BIN, ['--help'], { env })).stdout).toContain('qwen-otel run [--cli NAME]');
    expect((await runCommand(BIN, ['--version'], { env })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = await runCommand(BIN, ['frobnicate'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('qwen-otel: unknown command "frobnicate"; see qwen-otel --help');
  });
});
