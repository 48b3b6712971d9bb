// Is anything listening where this session's final figures will go? Asked once when the session
// starts (a TCP connect each, no exporter loaded), so that a run can say "nothing listens at ..."
// before its wrapper returns, rather than after its figures were tried for the delivery deadline.
import type { Config } from '../config';
import { deliveryTargets } from '../export/final-delivery';
import { connectCheck } from '../export/reachability';

const CHECK_TIMEOUT_MS = 1000;

export class BackendWatch {
  private readonly refused = new Map<string, string>();

  constructor(config: Config) {
    for (const t of deliveryTargets(config)) {
      connectCheck(t.url, CHECK_TIMEOUT_MS).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') this.refused.set(t.what, `qwen-otel: ${t.what} not sent: nothing listens at ${t.target} (${t.hint})`);
      });
    }
  }

  /** One line per backend found not listening so far. */
  lines(): string[] {
    return [...this.refused.values()];
  }

  /** Whether the user was already told that nothing listens for this kind of figures. */
  told(what: string): boolean {
    return this.refused.has(what);
  }
}
