// An attacker at the front door, byte by byte over raw TCP (node:net), bounded in count and
// time: oversized heads (also on a connection that already carried a request, the case that
// used to make the edge close the connection under Caddy), oversized bodies (declared and
// chunked), slow bodies, and connections half-closed in the middle of a request. It records
// what came back (status line or "closed") per kind; what matters is that visitors never
// notice, and that every refusal the attacker does get is the clean 4xx the services give.
import { connect, type Socket } from 'node:net';

export type AttackKind =
  | 'huge-header-edge'
  | 'huge-header-after-request'
  | 'huge-header-web'
  | 'huge-body-declared-edge'
  | 'huge-body-declared-web'
  | 'huge-body-chunked-edge'
  | 'slow-body-edge'
  | 'half-closed-head'
  | 'half-closed-body';

export const ATTACK_KINDS: AttackKind[] = [
  'huge-header-edge',
  'huge-header-after-request',
  'huge-header-web',
  'huge-body-declared-edge',
  'huge-body-declared-web',
  'huge-body-chunked-edge',
  'slow-body-edge',
  'half-closed-head',
  'half-closed-body',
];

/** Per attack kind: how often each outcome ("431", "413", "closed", …) was seen. */
export type AttackTally = Record<string, Record<string, number>>;

interface Conn {
  socket: Socket;
  /** Resolves with every byte received until the peer closed (or the timeout). */
  received: Promise<string>;
}

function open(port: number, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const received = new Promise<string>((done) => {
      const finish = () => done(Buffer.concat(chunks).toString('latin1'));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', finish);
      socket.on('error', finish);
      socket.setTimeout(timeoutMs, () => socket.destroy());
    });
    socket.once('connect', () => resolve({ socket, received }));
    socket.once('error', reject);
  });
}

/** Writes and waits for the kernel to take the bytes; false when the peer is gone. */
function write(socket: Socket, data: string | Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve(false);
    socket.write(data, (error) => resolve(!error));
  });
}

/** The status codes of every response in what came back, or "closed" when there was none. */
function outcome(received: string): string {
  const codes = [...received.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => m[1]);
  return codes.length ? codes.join('+') : 'closed';
}

const host = (port: number) => `Host: 127.0.0.1:${port}\r\n`;
const bigHeader = (bytes: number) => `X-Filler: ${'a'.repeat(bytes)}\r\n`;

/** One attack; returns its outcome. Never takes longer than about `maxMs`. */
export async function attack(kind: AttackKind, port: number, maxMs = 15_000): Promise<string> {
  const c = await open(port, maxMs);
  const { socket } = c;
  try {
    switch (kind) {
      case 'huge-header-edge':
        await write(
          socket,
          `GET /trpc/weaveries.list HTTP/1.1\r\n${host(port)}${bigHeader(1 << 20)}\r\n`,
        );
        break;
      case 'huge-header-after-request':
        // A clean request first, so that the next one travels on a connection Caddy has
        // already paired with a pooled upstream connection.
        await write(socket, `GET /trpc/weaveries.list HTTP/1.1\r\n${host(port)}\r\n`);
        await Bun.sleep(100);
        await write(
          socket,
          `GET /trpc/weaveries.list HTTP/1.1\r\n${host(port)}${bigHeader(1 << 20)}\r\n`,
        );
        break;
      case 'huge-header-web':
        await write(socket, `GET / HTTP/1.1\r\n${host(port)}${bigHeader(64 * 1024)}\r\n`);
        break;
      case 'huge-body-declared-edge': {
        const size = 8 * 1024 * 1024;
        await write(
          socket,
          `POST /trpc/nodes.create HTTP/1.1\r\n${host(port)}Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
        );
        // Keep sending as a real uploader would, until refused.
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let sent = 0; sent < size; sent += chunk.length) {
          if (!(await write(socket, chunk))) break;
        }
        break;
      }
      case 'huge-body-declared-web': {
        const size = 4 * 1024 * 1024;
        await write(
          socket,
          `POST /auth/logout HTTP/1.1\r\n${host(port)}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${size}\r\n\r\n`,
        );
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let sent = 0; sent < size; sent += chunk.length) {
          if (!(await write(socket, chunk))) break;
        }
        break;
      }
      case 'huge-body-chunked-edge': {
        await write(
          socket,
          `POST /trpc/nodes.create HTTP/1.1\r\n${host(port)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let sent = 0; sent < 4 * 1024 * 1024; sent += chunk.length) {
          const ok = await write(
            socket,
            Buffer.concat([
              Buffer.from(`${chunk.length.toString(16)}\r\n`),
              chunk,
              Buffer.from('\r\n'),
            ]),
          );
          if (!ok) break;
        }
        await write(socket, '0\r\n\r\n');
        break;
      }
      case 'slow-body-edge': {
        // Declares 2 KB, then sends one byte every 200 ms and gives up before the end.
        await write(
          socket,
          `POST /trpc/nodes.create HTTP/1.1\r\n${host(port)}Content-Type: application/json\r\nContent-Length: 2048\r\n\r\n`,
        );
        const until = Date.now() + maxMs - 2_000;
        while (Date.now() < until && !socket.destroyed) {
          if (!(await write(socket, 'a'))) break;
          await Bun.sleep(200);
        }
        socket.destroy();
        break;
      }
      case 'half-closed-head':
        // Half a request head, then FIN: the client will never send the rest.
        await write(socket, `GET /trpc/weaveries.list HTTP/1.1\r\n${host(port)}X-Partial: yes`);
        socket.end();
        break;
      case 'half-closed-body':
        // A head that promises a body, part of it, then FIN.
        await write(
          socket,
          `POST /trpc/nodes.create HTTP/1.1\r\n${host(port)}Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"name":`,
        );
        socket.end();
        break;
    }
    return outcome(await c.received);
  } finally {
    socket.destroy();
  }
}

/**
 * Sends attacks round-robin over every kind with `concurrency` at a time until `until()`
 * or `maxAttacks` were started.
 */
export async function attackMix(opts: {
  port: number;
  until: () => boolean;
  maxAttacks: number;
  concurrency: number;
}): Promise<{ tally: AttackTally; count: number }> {
  const tally: AttackTally = {};
  let started = 0;
  const worker = async () => {
    while (!opts.until() && started < opts.maxAttacks) {
      const kind = ATTACK_KINDS[started++ % ATTACK_KINDS.length]!;
      let result: string;
      try {
        result = await attack(kind, opts.port);
      } catch (error) {
        result = `error: ${error instanceof Error ? error.message : String(error)}`;
      }
      tally[kind] ??= {};
      tally[kind][result] = (tally[kind][result] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { tally, count: started };
}
