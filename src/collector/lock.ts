// One collector per state directory: it holds a Unix socket there that only one process can
// bind. A second collector of the same or an older build leaves; a newer build asks the running
// one to hand over (it writes its sessions' checkpoints and exits) and takes its place.
// The socket answers two requests, one line each: `id` (its pid and build) and `handover`.
import { createHash } from 'node:crypto';
import { lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import * as path from 'node:path';
import { STATE } from '../contracts/session-layout';

export interface CollectorLock {
  /**
   * false once another collector replaced our socket file (two collectors that both found the
   * same stale socket): the later one keeps the place, this one hands over and leaves.
   */
  stillHeld(): boolean;
  close(): void;
}

export type LockOutcome = { lock: CollectorLock } | { runningBuild: string };

/** Sun paths are limited to 108 bytes: a longer state path uses Linux's abstract namespace. */
const MAX_SOCKET_PATH = 100;
const ASK_TIMEOUT_MS = 2000;
const HANDOVER_WAIT_MS = 10_000;

export function socketPath(stateDir: string): string {
  const file = path.join(stateDir, STATE.collectorSocket);
  if (Buffer.byteLength(file) <= MAX_SOCKET_PATH) return file;
  return `\0qwen-otel-${createHash('sha256').update(stateDir).digest('hex').slice(0, 24)}`;
}

/**
 * Takes the lock, or says which build holds it. `onHandover` runs when a newer collector asks
 * this one to give way; `build` orders builds (see compareBuilds).
 */
export async function acquireLock(stateDir: string, build: string, onHandover: () => void): Promise<LockOutcome> {
  const where = socketPath(stateDir);
  const deadline = Date.now() + HANDOVER_WAIT_MS;
  for (;;) {
    const server = await tryListen(where, build, onHandover);
    if (server) return { lock: heldLock(server, where) };
    const running = await ask(where, 'id');
    if ('refused' in running) {
      // Nobody listens: a collector that died left its socket file behind.
      removeStale(where);
    } else if ('answer' in running) {
      const runningBuild = running.answer.split(' ')[1] ?? '';
      if (compareBuilds(build, runningBuild) <= 0) return { runningBuild };
      await ask(where, 'handover');
    } else {
      // It listens but is too busy to answer (a loaded machine): it is alive, and it serves.
      return { runningBuild: 'busy' };
    }
    if (Date.now() > deadline) return { runningBuild: 'answer' in running ? running.answer : 'unknown' };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Builds are `<version>+<build time ms>`: a later version wins, then a later build of it. */
export function compareBuilds(a: string, b: string): number {
  const [va, ta] = a.split('+');
  const [vb, tb] = b.split('+');
  const parts = (v: string): number[] => v.split(/[.-]/).map((p) => Number(p) || 0);
  const pa = parts(va ?? '');
  const pb = parts(vb ?? '');
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  }
  return (Number(ta) || 0) - (Number(tb) || 0);
}

function tryListen(where: string, build: string, onHandover: () => void): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer((socket) => serve(socket, build, onHandover));
    server.once('error', () => resolve(null));
    server.listen(where, () => {
      server.unref();
      resolve(server);
    });
  });
}

function serve(socket: Socket, build: string, onHandover: () => void): void {
  socket.setTimeout(ASK_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => undefined);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > 64) socket.destroy();
    if (!text.includes('\n')) return;
    const request = text.trim();
    if (request === 'id') socket.end(`${process.pid} ${build}\n`);
    else if (request === 'handover') {
      socket.end('ok\n');
      onHandover();
    } else socket.destroy();
  });
}

/**
 * Sends one request line. `refused`: nothing listens there (a stale socket file, or none);
 * `silent`: something accepted the connection but did not answer in time (alive, but busy).
 */
export function ask(where: string, request: string): Promise<{ answer: string } | { refused: true } | { silent: true }> {
  return new Promise((resolve) => {
    const socket = connect(where);
    let answer = '';
    let connected = false;
    const done = (value: { answer: string } | { refused: true } | { silent: true }): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(ASK_TIMEOUT_MS, () => done({ silent: true }));
    socket.on('connect', () => {
      connected = true;
      socket.write(`${request}\n`);
    });
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => done(answer.trim() ? { answer: answer.trim() } : { silent: true }));
    socket.on('error', () => done(connected ? { silent: true } : { refused: true }));
  });
}

function removeStale(where: string): void {
  if (where.startsWith('\0')) return;
  try {
    unlinkSync(where);
  } catch {
    // Another collector removed it first.
  }
}

function heldLock(server: Server, where: string): CollectorLock {
  const inode = socketInode(where);
  return {
    stillHeld: () => inode === null || socketInode(where) === inode,
    // Closing a Unix socket server unlinks its file: never unlink it again (a newer collector may own it by then).
    close: () => server.close(),
  };
}

function socketInode(where: string): number | null {
  if (where.startsWith('\0')) return null;
  try {
    return lstatSync(where).ino;
  } catch {
    return -1;
  }
}
