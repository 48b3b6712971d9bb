// Runs that end before a scrape still deliver: their final figures are PUT to a Pushgateway,
// grouped by cli, branch and workload (a later run of the same group replaces the earlier one).
// node:http, not fetch: fetch loads undici on first use, ~30 ms on the exit path (measured).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export function pushgatewayPath(grouping: Record<string, string>): string {
  const labels = Object.entries(grouping)
    .map(([name, value]) => `/${name}@base64/${value === '' ? '=' : Buffer.from(value).toString('base64url')}`)
    .join('');
  return `/metrics/job/qwen-otel${labels}`;
}

export function pushToGateway(baseUrl: string, grouping: Record<string, string>, body: string, timeoutMs: number): Promise<void> {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${pushgatewayPath(grouping)}`);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'PUT', headers: { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`Pushgateway answered ${status}: ${text.split('\n')[0].slice(0, 200)}`));
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}
