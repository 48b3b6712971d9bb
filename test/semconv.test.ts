import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import * as ours from '../src/export/semconv';

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
});
