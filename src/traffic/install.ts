// Entry of dist/traffic.bundle.js, which the agent loads when its process first makes an HTTP
// request (see src/agent/traffic-loader.ts): the tap, undici's channels and the four parsers.
import { flushResponses, type TapOptions } from './report';
import { HostCounter, markFetchTapped, tapFetch } from './tap';
import { observeUndiciChannels } from './undici-channels';

type Fetch = typeof globalThis.fetch;

export interface Traffic {
  /** The runtime's fetch, observed (null when the process had none). */
  fetch: Fetch | null;
  /** Handles an `undici:request:create` published before the channels were subscribed to. */
  onUndiciCreate: ((message: unknown) => void) | null;
  /** Requests to other hosts since the last take, by host. */
  takeHosts(): Record<string, number> | null;
  hasHosts(): boolean;
  /** Reports the responses still being read (from the exit hook). */
  flush(): void;
}

export function installTraffic(options: TapOptions, originalFetch: Fetch | null): Traffic {
  const hosts = new HostCounter();
  const fetch = originalFetch ? tapFetch(originalFetch, options, hosts) : null;
  if (fetch) markFetchTapped(fetch);
  return {
    fetch,
    onUndiciCreate: observeUndiciChannels(options),
    takeHosts: () => hosts.take(),
    hasHosts: () => hosts.pending,
    flush: flushResponses,
  };
}
