// Which socket listens on a port, from /proc/net/tcp: only LISTEN (0A) counts, never a connection
// to or from that port.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listeningInode, listensOn } from '../src/probes/listening';

const NET_TCP = readFileSync(path.join(__dirname, 'fixtures/proc/net-tcp.txt'), 'utf8');

describe('the listening socket of a port', () => {
  it('is the LISTEN entry, not an established connection on the same port', () => {
    expect(listeningInode(NET_TCP, 19464)).toBe('53310');
    expect(listeningInode(NET_TCP, 9090)).toBe('41122');
  });

  it('is none for a port nothing listens on, or text that is not /proc/net/tcp', () => {
    expect(listeningInode(NET_TCP, 41394)).toBeNull();
    expect(listeningInode('', 19464)).toBeNull();
    expect(listeningInode('garbage\n\n  x y', 19464)).toBeNull();
  });

  it('belongs to this process when it listens, and not to another pid', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(listensOn(process.pid, port)).toBe(true);
      expect(listensOn(process.ppid, port)).toBe(false);
    } finally {
      server.close();
    }
  });
});
