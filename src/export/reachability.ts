// Is something listening at a backend's address? One TCP connect, no exporter loaded: asked when
// a session starts, so a run can say "nothing listens at ..." before its wrapper returns.
import { connect } from 'node:net';

/** Resolves when a TCP connection to the endpoint opens; rejects with the socket's error or a timeout. */
export function connectCheck(endpoint: string, timeoutMs: number): Promise<void> {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (error: Error | null): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(timeoutError(`no connection within ${timeoutMs} ms`)));
    socket.once('connect', () => done(null));
    socket.once('error', (error) => done(error));
  });
}

export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' });
}
