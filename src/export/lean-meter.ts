// The few instruments the collector uses (observable gauges and counters, explicit-bucket
// histograms), shaped like the OpenTelemetry metrics API, kept as plain data and read when a
// scrape or the push asks. Not the SDK's MeterProvider (one per session, collected on every
// scrape): paired, 2 rounds, `npm run bench:collector` at load average 20-32, the collector's VmHWM
// with the SDK was 58 MiB with one live session (63 MiB with five) and 106-109 MiB (142-146 MiB)
// after 2,000 scrapes; with these instruments 56 MiB (58 MiB) and 95-96 MiB (136 MiB). What remains
// of the growth is garbage V8 grows its heap for when scraped back to back (with a full GC per
// scrape the same run ends at 61.5 MiB).

export type Attributes = Record<string, string | number | boolean>;
export type InstrumentType = 'gauge' | 'counter' | 'histogram';

export interface ObservableResult {
  observe(value: number, attributes?: Attributes): void;
}

export interface HistogramValue {
  boundaries: readonly number[];
  /** Count per bucket (not cumulative), one more than the boundaries (the last is +Inf). */
  counts: number[];
  sum: number;
  count: number;
}

export interface MetricPoint {
  attributes: Attributes;
  value: number | HistogramValue;
}

export interface MetricFamily {
  name: string;
  unit: string;
  description: string;
  type: InstrumentType;
  points: MetricPoint[];
}

interface Options {
  unit?: string;
  description?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

export interface Histogram {
  record(value: number, attributes?: Attributes): void;
}

export interface Observable {
  addCallback(callback: (result: ObservableResult) => void): void;
}

const DEFAULT_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** One key per attribute set, independent of the order its keys were written in. */
function keyOf(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((k) => [k, attributes[k]]),
  );
}

export class LeanMeter {
  private readonly readers: Array<() => MetricFamily> = [];

  createObservableGauge(name: string, options: Options = {}): Observable {
    return this.observable(name, options, 'gauge');
  }

  createObservableCounter(name: string, options: Options = {}): Observable {
    return this.observable(name, options, 'counter');
  }

  createHistogram(name: string, options: Options = {}): Histogram {
    const boundaries = options.advice?.explicitBucketBoundaries ?? DEFAULT_BOUNDARIES;
    const series = new Map<string, MetricPoint & { value: HistogramValue }>();
    this.readers.push(() => ({ ...describe(name, options, 'histogram'), points: [...series.values()] }));
    return {
      record(value: number, attributes: Attributes = {}): void {
        if (!Number.isFinite(value)) return;
        const key = keyOf(attributes);
        let point = series.get(key);
        if (!point) {
          point = {
            attributes: { ...attributes },
            value: { boundaries, counts: new Array<number>(boundaries.length + 1).fill(0), sum: 0, count: 0 },
          };
          series.set(key, point);
        }
        let bucket = boundaries.findIndex((bound) => value <= bound);
        if (bucket < 0) bucket = boundaries.length;
        point.value.counts[bucket] += 1;
        point.value.sum += value;
        point.value.count += 1;
      },
    };
  }

  /** Every instrument's points now (callbacks run; a callback that throws leaves its instrument empty). */
  collect(): MetricFamily[] {
    return this.readers.map((read) => read());
  }

  private observable(name: string, options: Options, type: InstrumentType): Observable {
    const callbacks: Array<(result: ObservableResult) => void> = [];
    this.readers.push(() => {
      const points = new Map<string, MetricPoint>();
      const result: ObservableResult = {
        observe: (value, attributes = {}) => {
          if (Number.isFinite(value)) points.set(keyOf(attributes), { attributes, value });
        },
      };
      for (const callback of callbacks) {
        try {
          callback(result);
        } catch {
          // One figure missing from this collection; the others stand.
        }
      }
      return { ...describe(name, options, type), points: [...points.values()] };
    });
    return { addCallback: (callback) => void callbacks.push(callback) };
  }
}

function describe(name: string, options: Options, type: InstrumentType): Omit<MetricFamily, 'points'> {
  return { name, unit: options.unit ?? '', description: options.description ?? '', type };
}
