// The traffic tap is loaded when the process first makes an HTTP request, not with the agent:
// most processes of a CLI's tree (MCP servers, tools) never call a model, and the tap's code
// (23 KB bundled) cost them memory and start-up CPU for nothing. Until then the agent holds a
// one-line fetch wrapper and one subscription to undici's `request:create` channel; the first
// call through either loads dist/traffic.bundle.js synchronously, and that call is observed.
import * as path from 'node:path';
import type { TapOptions } from '../traffic/report';
import type { Traffic } from '../traffic/install';

type Fetch = typeof globalThis.fetch;

const TAPPED = Symbol.for('qwen-otel.fetch-tap');
const CREATE_CHANNEL = 'undici:request:create';

export interface LazyTraffic {
  takeHosts(): Record<string, number> | null;
  /** Whether host counts wait to be taken. */
  hasHosts(): boolean;
  flush(): void;
  /** Whether the traffic code has been loaded. */
  loaded(): boolean;
}

/** dist/traffic.bundle.js beside the agent bundle, or dist/traffic/install.js when the agent runs unbundled. */
function trafficModule(): string {
  return path.basename(__dirname) === 'agent'
    ? path.join(__dirname, '..', 'traffic', 'install.js')
    : path.join(__dirname, 'traffic.bundle.js');
}

export function installLazyTraffic(options: TapOptions): LazyTraffic {
  let traffic: Traffic | null = null;
  let failed = false;
  const original = globalThis.fetch as (Fetch & { [TAPPED]?: true }) | undefined;
  const plainFetch = typeof original === 'function' && !original[TAPPED] ? original : null;
  let channels: typeof import('node:diagnostics_channel') | null = null;
  const load = (): Traffic | null => {
    if (traffic || failed) return traffic;
    try {
      const { installTraffic } = require(trafficModule()) as typeof import('../traffic/install');
      channels?.unsubscribe(CREATE_CHANNEL, onFirstCreate);
      traffic = installTraffic(options, plainFetch);
    } catch {
      failed = true;
    }
    return traffic;
  };
  // Subscriptions made while a message is published do not see it (diagnostics_channel copies
  // its list on subscribe): the message that caused the load is handed over here.
  const onFirstCreate = (message: unknown): void => {
    const loaded = load();
    loaded?.onUndiciCreate?.(message);
  };
  if (plainFetch) {
    const lazy = function fetch(input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]): Promise<Response> {
      return (load()?.fetch ?? plainFetch)(input, init);
    } as Fetch & { [TAPPED]?: true };
    lazy[TAPPED] = true;
    globalThis.fetch = lazy;
  }
  try {
    channels = require('node:diagnostics_channel') as typeof import('node:diagnostics_channel');
    if (typeof channels.subscribe === 'function') channels.subscribe(CREATE_CHANNEL, onFirstCreate);
    else channels = null;
  } catch {
    channels = null;
  }
  return {
    takeHosts: () => traffic?.takeHosts() ?? null,
    hasHosts: () => traffic?.hasHosts() ?? false,
    flush: () => traffic?.flush(),
    loaded: () => traffic !== null,
  };
}
