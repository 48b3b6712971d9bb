// The committed traffic fixtures (test/fixtures/traffic/<cli>/): sizes as documented, nothing
// personal left, and the scripted server still answers each recorded request byte for byte the same.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { CLI_TARGETS, type CliName } from '../src/bench/targets/registry';

const ROOT = path.join(__dirname, 'fixtures', 'traffic');
const CLIS: CliName[] = ['qwen', 'claude', 'gemini', 'codex'];

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
});

function readmeSizes(dir: string): Map<string, number> {
  const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  return new Map([...readme.matchAll(/^\| `([^`]+)` \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
}

describe.each(CLIS)('%s traffic fixtures', (name) => {
  const dir = path.join(ROOT, name);
  const target = CLI_TARGETS[name];
  const requestPath = target.endpoint.split(' ')[1]!;

  it('lists every file in its README with its true byte size', () => {
    const sizes = readmeSizes(dir);
    const files = readdirSync(dir)
      .filter((file) => file !== 'README.md')
      .sort();
    expect([...sizes.keys()].sort()).toEqual(files);
    expect(files).toEqual(['request-1.json', 'request-2.json', 'response-1.sse', 'response-2.sse', 'response-3.sse']);
    for (const file of files) expect(readFileSync(path.join(dir, file)).length, file).toBe(sizes.get(file));
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(target.spec);
  });

  it('holds no keys, personal paths or run-specific temp paths', () => {
    for (const file of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}/);
      expect(text, file).not.toMatch(/qwen-otel-run-(?!XXXXXX)[A-Za-z0-9]{6}/);
      expect(text, file).not.toContain('/root/');
      const homes = text.match(/(?<![A-Za-z0-9._-])\/home\/[A-Za-z0-9._-]+/g) ?? [];
      expect(new Set(homes), file).toEqual(new Set(homes.length > 0 ? ['/home/user'] : []));
    }
  });

  it('gets the same answers from the scripted server, byte for byte', async () => {
    for (const turn of [1, 2]) {
      const body = readFileSync(path.join(dir, `request-${turn}.json`));
      const response = await fetch(`${server.url}${requestPath}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.equals(readFileSync(path.join(dir, `response-${turn}.sse`))), `response-${turn}`).toBe(true);
      const record = server.requests[server.requests.length - 1]!;
      expect(record).toMatchObject({ format: target.format, requestKind: 'main', toolResultCount: turn - 1, requestBytes: body.length });
      expect(record.toolCount).toBeGreaterThan(0);
    }
  });
});
