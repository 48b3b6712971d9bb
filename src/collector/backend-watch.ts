// Is anything listening where this session's final figures will go? Asked once when the session
// starts (a TCP connect each, no exporter loaded), so that a run can say "nothing listens at ..."
// before its wrapper returns, rather than after its figures were tried for the delivery deadline.
import type { Config } from '../config';
import { deliveryTargets } from '../export/final-delivery';
import { connectCheck } from '../export/reachability';

const CHECK_TIMEOUT_MS = 1000;

export class BackendWatch {
  private readonly refused = new Map<string, string>();
  private readonly checks: Array<Promise<void>>;

  constructor(config: Config) {
    this.checks = deliveryTargets(config).map((t) =>
      connectCheck(t.url, CHECK_TIMEOUT_MS).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED')
          this.refused.set(t.what, `qwen-otel: ${t.what} not sent: nothing listens at ${t.target} (${t.hint})`);
      }),
    );
  }

  /**
   * Waits for the checks, at most `ms`: a run that ended before its collector looked (a short one,
   * or a busy machine) still hears "nothing listens" before it returns. A refused connection
   * answers at once; only an address that drops packets makes this wait.
   */
  async settled(ms: number): Promise<void> {
    await Promise.race([Promise.all(this.checks), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
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
