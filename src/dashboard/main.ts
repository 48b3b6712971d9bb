// `npm run dashboard`: writes grafana/dashboards/qwen-otel.json from src/dashboard/.
// `--check`: exits 1 with one line when the committed file differs from what the source builds.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildDashboard } from './qwen-otel';

export const DASHBOARD_FILE = path.join(__dirname, '..', '..', 'grafana', 'dashboards', 'qwen-otel.json');

export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

function main(argv: string[]): number {
  const json = renderDashboard();
  if (argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(DASHBOARD_FILE, 'utf8');
    } catch {
      // Missing: stale by definition.
    }
    if (committed === json) return 0;
    process.stderr.write(`qwen-otel: ${path.relative(process.cwd(), DASHBOARD_FILE)} is stale; run npm run dashboard\n`);
    return 1;
  }
  writeFileSync(DASHBOARD_FILE, json);
  process.stdout.write(`qwen-otel: wrote ${path.relative(process.cwd(), DASHBOARD_FILE)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
