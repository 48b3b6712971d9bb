// `qwen-otel model-server`: the scripted model (all four wire formats) on a local port, until Ctrl-C.
import { startModelServer } from './server';

export async function serveModel(args: string[]): Promise<number> {
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`qwen-otel: --port ${JSON.stringify(args[portArg + 1] ?? '')} is not a port (0-65535)\n`);
    return 2;
  }
  const server = await startModelServer({ port });
  const apis = 'OpenAI chat /v1/chat/completions, OpenAI responses /v1/responses, Anthropic /v1/messages, Gemini /v1beta/models/*';
  process.stdout.write(`qwen-otel: scripted model at ${server.url} (${apis}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await server.close();
  process.stdout.write(`qwen-otel: served ${server.requests.length} requests\n`);
  return 0;
}
