import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import * as ours from '../src/export/semconv';
import { REPO } from './helpers/e2e';

describe('semantic-convention names copied into src/export/semconv.ts', () => {
  it('match @opentelemetry/semantic-conventions exactly', () => {
    const theirs = incubating as unknown as Record<string, string>;
    const special: Record<string, string> = {
      // The package names the delay percentiles with a template; we use p99 and mean as spelled.
      METRIC_NODEJS_EVENTLOOP_DELAY_P99: 'nodejs.eventloop.delay.p99',
    };
    for (const [name, value] of Object.entries(ours)) {
      const expected = theirs[name] ?? special[name];
      expect(expected, name).toBeDefined();
      expect(value, name).toBe(expected);
    }
  });

  it('name nothing the package replaced (v8js.memory.heap.limit became v8js.memory.heap.space.size in 1.45)', () => {
    const declarations = ['experimental_metrics', 'experimental_attributes', 'stable_metrics', 'stable_attributes']
      .map((file) =>
        readFileSync(path.join(REPO, 'node_modules', '@opentelemetry', 'semantic-conventions', 'dist', `${file}.d.cts`), 'utf8'),
      )
      .join('\n');
    const deprecated = Object.keys(ours).filter((name) => {
      const at = declarations.search(new RegExp(`declare const ${name}:`));
      if (at < 0) return false;
      const doc = declarations.slice(declarations.lastIndexOf('/**', at), at);
      // The gen_ai.* names are marked "Moved to the GenAI semantic conventions repository": the same
      // names, kept there. A deprecation that names a replacement is what this test is about.
      return /@deprecated (?!Moved to)/.test(doc);
    });
    expect(deprecated).toEqual([]);
  });
});
