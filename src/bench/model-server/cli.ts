// `qwen-otel model-server`: the scripted OpenAI-compatible model on a local port, until Ctrl-C.
import { startModelServer } from './server';

export async function serveModel(args: string[]): Promise<number> {
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`qwen-otel: --port ${JSON.stringify(args[portArg + 1] ?? '')} is not a port (0-65535)\n`);
    return 2;
  }
  const server = await startModelServer({ port });
  process.stdout.write(`qwen-otel: scripted model at ${server.url}/v1 (OpenAI chat completions); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await server.close();
  process.stdout.write(`qwen-otel: served ${server.requests.length} requests\n`);
  return 0;
}
