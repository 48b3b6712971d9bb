// Off costs nothing: no OpenTelemetry module, no agent, no port, no collector. And on, the CLI's
// own process still loads no OpenTelemetry module (the collector holds them).
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { REGISTER, sandbox, writeScript } from './helpers/e2e';

const INSPECT = `
const fs = require('fs');
const loaded = Object.keys(require.cache);
const sockets = new Set(fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } })
  .filter((l) => l.startsWith('socket:[')).map((l) => l.slice(8, -1)));
const listening = ['tcp', 'tcp6'].flatMap((f) => { try { return fs.readFileSync('/proc/self/net/' + f, 'utf8').split('\\n').slice(1); } catch { return []; } })
  .map((l) => l.trim().split(/\\s+/)).filter((c) => c[3] === '0A' && sockets.has(c[9]));
const children = fs.readFileSync('/proc/self/task/' + process.pid + '/children', 'utf8').trim();
console.log(JSON.stringify({
  otel: loaded.filter((m) => m.includes('@opentelemetry')),
  agent: loaded.filter((m) => /agent/.test(m)),
  listening: listening.length,
  children,
  session: process.env.QWEN_OTEL_SESSION_DIR ?? null,
}));`;

describe('the preload', () => {
  it('when off, loads nothing, opens no port and starts no collector', async () => {
    const box = sandbox('off');
    const script = writeScript(box.dir, 'inspect.js', INSPECT);
    const result = await runCommand(process.execPath, [script], { env: { ...box.env, NODE_OPTIONS: `--require ${REGISTER}` } });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ otel: [], agent: [], listening: 0, children: '', session: null });
  });

  it('when on, keeps OpenTelemetry and the port out of the CLI process', async () => {
    const box = sandbox('on');
    const script = writeScript(box.dir, 'inspect.js', `${INSPECT}; setTimeout(() => {}, 300);`);
    const result = await runCommand(process.execPath, [script], {
      env: { ...box.env, QWEN_OTEL: '1', NODE_OPTIONS: `--require ${REGISTER}` },
    });
    const seen = JSON.parse(result.stdout);
    expect(seen.otel).toEqual([]);
    expect(seen.listening).toBe(0);
    expect(seen.session).not.toBeNull();
  });

  it('says once, in one line, that a bad QWEN_OTEL value keeps it off, and changes no output', async () => {
    const box = sandbox('bad-switch');
    const script = writeScript(
      box.dir,
      'hello.js',
      "require('child_process').spawnSync(process.execPath, ['-e', 'console.log(2)'], { stdio: 'inherit' }); console.log(1);",
    );
    const env = { ...box.env, NODE_OPTIONS: `--require ${REGISTER}` };
    const plain = await runCommand(process.execPath, [script], { env });
    const bad = await runCommand(process.execPath, [script], { env: { ...env, QWEN_OTEL: 'maybe' } });
    expect(bad.stdout).toBe(plain.stdout);
    expect(bad.stderr.trim().split('\n')).toEqual(['qwen-otel: QWEN_OTEL="maybe" is not valid (expected 1 to turn on, or 0); staying off']);
  });
});
