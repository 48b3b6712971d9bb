// Runs that end before a scrape still deliver: their final figures are PUT to a Pushgateway,
// grouped by cli, branch and workload (a later run of the same group replaces the earlier one).
export function pushgatewayPath(grouping: Record<string, string>): string {
  const labels = Object.entries(grouping)
    .map(([name, value]) => `/${name}@base64/${value === '' ? '=' : Buffer.from(value).toString('base64url')}`)
    .join('');
  return `/metrics/job/qwen-otel${labels}`;
}

export async function pushToGateway(baseUrl: string, grouping: Record<string, string>, body: string, timeoutMs: number): Promise<void> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${pushgatewayPath(grouping)}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'text/plain; version=0.0.4' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    const text = (await response.text()).split('\n')[0].slice(0, 200);
    throw new Error(`Pushgateway answered ${response.status}: ${text}`);
  }
}
