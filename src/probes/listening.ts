// Which process holds a listening TCP socket: a free port can be taken by another program between
// the pick and the bind, and a server that then fails to bind leaves its caller talking to a
// stranger that answers the same URLs. A started server is trusted once its own socket listens.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Whether process `pid` itself holds the socket listening on IPv4 port `port` (from /proc). */
export function listensOn(pid: number, port: number, proc = '/proc'): boolean {
  const inode = listeningInode(readFileSync(`${proc}/net/tcp`, 'utf8'), port);
  if (!inode) return false;
  try {
    return readdirSync(`${proc}/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`${proc}/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** The inode of the socket in state LISTEN (0A) on `port`, from the text of /proc/net/tcp. */
export function listeningInode(netTcp: string, port: number): string | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of netTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') return fields[9] ?? null;
  }
  return null;
}
