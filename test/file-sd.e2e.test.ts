// Concurrent CLIs stay scrapeable: the collector's one metrics endpoint is a Prometheus file_sd
// target while sessions live (their labels are on the series), removed when the last one ends.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWrapped, sandbox, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';

describe('file_sd targets', () => {
  it('exist while a session lives, name the endpoint, and are gone after', async () => {
    const box = sandbox('file-sd', { QWEN_OTEL_WORKLOAD: 'sd' });
    const sdDir = path.join(box.dir, 'targets');
    const script = writeScript(
      box.dir,
      'look.js',
      `${WAIT_FOR_METRICS_URL}
      metricsUrl().then(async (u) => {
        const fs = require('fs');
        const files = fs.readdirSync(${JSON.stringify(sdDir)}).filter((f) => f.endsWith('.json'));
        console.log(JSON.stringify({ u, files, targets: files.map((f) => JSON.parse(fs.readFileSync(require('path').join(${JSON.stringify(sdDir)}, f), 'utf8'))) }));
      });`,
    );
    const result = await runWrapped([process.execPath, script], { ...box.env, QWEN_OTEL_FILE_SD_DIR: sdDir });
    const seen = JSON.parse(result.stdout);
    expect(seen.files).toHaveLength(1);
    expect(seen.targets[0]).toEqual([{ targets: [new URL(seen.u).host], labels: {} }]);
    expect(readdirSync(sdDir)).toEqual([]);
  });
});
