/**
 * Records real CLI traffic as fixtures for the traffic parsers: the raw request and response
 * bodies of a CLI's first main requests against the scripted model server, scrubbed (same byte
 * length) and described in a README.md next to them.
 *
 *   npm run build && node dist/bench/targets/traffic-fixtures.js [--out DIR] [--cache DIR] [cli ...]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RecordedExchange } from '../model-server/server';
import { defaultCliCacheDir, installCli } from './install';
import { CLI_TARGETS, SCRIPT_PROMPT, type CliName, type CliTarget } from './registry';
import { homeLikePaths, leftovers, machineIdentity, sanitize, sanitizeRules, type MachineIdentity } from './sanitize';
import { runCliAgainstModel } from './session';

/** Requests saved per CLI; responses one further, so a final text answer is included. */
export const SAVED_REQUESTS = 2;

export interface CapturedExchange {
  record: RecordedExchange;
  request: Buffer;
  response: Buffer;
}

export interface FixtureFile {
  name: string;
  bytes: number;
  description: string;
  /** Rule label → replacements made in this file. */
  replaced: Map<string, number>;
  homeLike: string[];
}

/** An `onBodies` hook keeping the bodies of main requests in the target's format. */
export function mainExchangeCapture(target: CliTarget): {
  captured: CapturedExchange[];
  onBodies: (record: RecordedExchange, request: Buffer, response: Buffer) => void;
} {
  const captured: CapturedExchange[] = [];
  const onBodies = (record: RecordedExchange, request: Buffer, response: Buffer): void => {
    if (record.requestKind === 'main' && record.format === target.format) captured.push({ record, request, response });
  };
  return { captured, onBodies };
}

function fixtureFiles(captured: CapturedExchange[]): Array<{ name: string; body: Buffer; description: string }> {
  const files: Array<{ name: string; body: Buffer; description: string }> = [];
  const ordered = [...captured].sort((a, b) => a.record.seq - b.record.seq);
  for (const [index, exchange] of ordered.slice(0, SAVED_REQUESTS + 1).entries()) {
    const turn = index + 1;
    const { record } = exchange;
    if (turn <= SAVED_REQUESTS) {
      const counts = `tool results ${record.toolResultCount}, history items ${record.messageCount}, tools ${record.toolCount}`;
      files.push({ name: `request-${turn}.json`, body: exchange.request, description: `main request ${turn}: ${counts}` });
    }
    const extension = record.stream ? 'sse' : 'json';
    const reply = record.replyKind === 'tool_calls' ? `tool call ${record.toolCallNames.join(', ')}` : 'final text';
    const description = `response ${turn}: ${reply}; SSE events ${record.chunkCount}`;
    files.push({ name: `response-${turn}.${extension}`, body: exchange.response, description });
  }
  return files;
}

export function writeFixtures(dir: string, captured: CapturedExchange[], identity: MachineIdentity): FixtureFile[] {
  const rules = sanitizeRules(identity);
  mkdirSync(dir, { recursive: true });
  return fixtureFiles(captured).map(({ name, body, description }) => {
    const { text, counts } = sanitize(body.toString('utf8'), rules);
    const problems = leftovers(text, identity);
    if (problems.length > 0) throw new Error(`${name} still holds ${problems.join(', ')}: not saved`);
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length !== body.length) throw new Error(`${name}: scrubbing changed the size (${body.length} → ${bytes.length})`);
    writeFileSync(path.join(dir, name), bytes);
    return { name, bytes: bytes.length, description, replaced: counts, homeLike: homeLikePaths(text) };
  });
}

export function readme(target: CliTarget, files: FixtureFile[]): string {
  const rows = files.map((f) => `| \`${f.name}\` | ${f.bytes} | ${f.description} |`);
  const replaced = files.flatMap((f) => [...f.replaced].map(([label, count]) => `- \`${f.name}\`: ${label}, ${count}×`));
  const homeLike = [...new Set(files.flatMap((f) => f.homeLike))];
  return [
    `# ${target.spec}: raw model traffic`,
    '',
    `Recorded from a real run of ${target.spec} against the scripted model server (\`src/bench/model-server/\`),`,
    `default script (two shell tool calls, then "Done."), prompt "${SCRIPT_PROMPT}". Requests are`,
    `\`${target.endpoint}\` (${target.format}); bodies are byte for byte as sent on the wire (SSE text for streams).`,
    `Regenerate with \`npm run build && node dist/bench/targets/traffic-fixtures.js ${target.name}\`.`,
    '',
    '| file | bytes | content |',
    '|---|---|---|',
    ...rows,
    '',
    '## Scrubbed before saving',
    '',
    'Each replacement has the byte length of what it replaced, so every size above is the size that went over the wire.',
    'The run used a temporary HOME and cwd; the files were checked for API keys (`sk-`), the CLI install path, the',
    "machine's home directory, hostname, user name and kernel release. Session, device and installation ids in the",
    'bodies are random ones the CLI made up in that fresh HOME.',
    '',
    ...(replaced.length > 0 ? replaced : ['- nothing needed replacing']),
    '',
    'The temporary HOME is `/tmp/qwen-otel-run-XXXXXX/home` and the cwd `/tmp/qwen-otel-run-XXXXXX/work`.',
    '',
    ...(homeLike.length > 0
      ? [
          'Left as they are, since they are no paths of this machine (each shown in its context):',
          '',
          ...homeLike.map((c) => `- \`${c}\``),
          '',
        ]
      : []),
  ].join('\n');
}

export async function recordTrafficFixtures(name: CliName, outRoot: string, cacheDir = defaultCliCacheDir()): Promise<FixtureFile[]> {
  const target = CLI_TARGETS[name];
  const bin = (await installCli(target.spec, cacheDir)).binPath(target.bin);
  const capture = mainExchangeCapture(target);
  const run = await runCliAgainstModel({
    bin,
    invocation: target.invocation,
    prompt: SCRIPT_PROMPT,
    server: { onBodies: capture.onBodies },
  });
  if (run.exitCode !== 0) throw new Error(`${target.spec} exited with ${run.exitCode ?? run.signal}: ${run.stderr.slice(-500)}`);
  if (capture.captured.length <= SAVED_REQUESTS) throw new Error(`${target.spec} sent only ${capture.captured.length} main requests`);
  const dir = path.join(outRoot, name);
  rmSync(dir, { recursive: true, force: true });
  const files = writeFixtures(dir, capture.captured, machineIdentity(cacheDir));
  writeFileSync(path.join(dir, 'README.md'), readme(target, files));
  return files;
}

function optionValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const outRoot = path.resolve(optionValue(args, '--out') ?? path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'traffic'));
  const cacheDir = optionValue(args, '--cache');
  const named = args.filter((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
  const unknown = named.filter((name) => !(name in CLI_TARGETS));
  if (unknown.length > 0) throw new Error(`unknown CLI ${unknown.join(', ')}; known: ${Object.keys(CLI_TARGETS).join(', ')}`);
  for (const name of (named.length > 0 ? named : Object.keys(CLI_TARGETS)) as CliName[]) {
    const files = await recordTrafficFixtures(name, outRoot, cacheDir);
    process.stdout.write(`${name}: ${files.map((f) => `${f.name} ${f.bytes} B`).join(', ')}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`traffic-fixtures: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
