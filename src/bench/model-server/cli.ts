// `qwen-otel model-server`: the scripted model (all four wire formats) on a local port, until Ctrl-C.
import { parseArgs } from 'node:util';
import { startModelServer } from './server';

const APIS = 'OpenAI chat /v1/chat/completions, OpenAI responses /v1/responses, Anthropic /v1/messages, Gemini /v1beta/models/*';

export const MODEL_SERVER_USAGE = `usage: qwen-otel model-server [--port N]
  serve the scripted model on 127.0.0.1:N (default 0: any free port) until Ctrl-C, offline:
  ${APIS}
  (each wire format plays its CLI's default script: docs/bench.md, "The scripted model")`;

export async function serveModel(args: string[]): Promise<number> {
  let port: number;
  try {
    const { values } = parseArgs({
      args,
      options: { port: { type: 'string', default: '0' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(`${MODEL_SERVER_USAGE}\n`);
      return 0;
    }
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port ${JSON.stringify(values.port)} is not a port (0-65535)`);
  } catch (error) {
    process.stderr.write(`qwen-otel model-server: ${(error as Error).message}\n`);
    return 2;
  }
  const server = await startModelServer({ port });
  process.stdout.write(`qwen-otel: scripted model at ${server.url} (${APIS}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await server.close();
  process.stdout.write(`qwen-otel: served ${server.requests.length} requests\n`);
  return 0;
}
