// Ports for the real servers the tests start (Pushgateway, Prometheus, Alertmanager). A free port
// can be taken by another program between the pick and the bind; a server that then fails to bind
// would leave the test talking to a stranger that answers the same URLs. So a started server must
// be seen listening on its port itself (its own socket in /proc/net/tcp), or it is started again.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export { freePort } from '../../src/bench/backends';

/** Whether process `pid` itself holds the socket listening on 127.0.0.1:`port`. */
export function listensOn(pid: number, port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inode = fields[9];
  }
  if (!inode) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
