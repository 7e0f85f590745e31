// Edge, core, relay and workers listen on loopback unless HOST says otherwise: started as the
// stack starts them (their entry points, real PostgreSQL and NATS), the kernel's table of
// listening sockets shows 127.0.0.1, and another address of this machine is refused.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForHttp } from './services/free-port.ts';
import { freshDatabase, REPO_ROOT, type TestDatabase, testServices } from './testing/index.ts';

let db: TestDatabase;
let natsUrl: string;
const procs: ReturnType<typeof Bun.spawn>[] = [];

beforeAll(async () => {
  natsUrl = (await testServices()).nats.url;
  db = await freshDatabase();
});

afterAll(async () => {
  for (const proc of procs) proc.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  await db?.drop();
});

/** Addresses the kernel lists as listening on `port` (IPv4 and IPv6), e.g. "127.0.0.1". */
function listeningOn(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue;
      const [hex, portHex] = local.split(':');
      if (Number.parseInt(portHex!, 16) !== port) continue;
      if (hex!.length === 8) {
        // Little-endian IPv4.
        const bytes = hex!.match(/../g)!.map((b) => Number.parseInt(b, 16));
        found.push(bytes.reverse().join('.'));
      } else {
        found.push(
          hex === '0'.repeat(32) ? '::' : hex === `${'0'.repeat(24)}01000000` ? '::1' : hex!,
        );
      }
    }
  }
  return found;
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function otherAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

async function start(entry: string, portVar: string, env: Record<string, string>) {
  const port = await freePort();
  const proc = Bun.spawn([process.execPath, join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NATS_URL: natsUrl,
      CORE_DATABASE_URL: db.coreUrl,
      EDGE_DATABASE_URL: db.edgeUrl,
      // Nobody answers here: the services start without the provider.
      OIDC_ISSUER: 'http://127.0.0.1:9',
      LOG_LEVEL: 'error',
      [portVar]: String(port),
      ...env,
    },
    stdout: 'ignore',
    stderr: 'pipe',
  });
  procs.push(proc);
  await Promise.race([
    waitForHttp(`http://127.0.0.1:${port}/health/live`, 60_000),
    proc.exited.then(async (code) => {
      throw new Error(`${entry} exited with ${code}: ${await new Response(proc.stderr).text()}`);
    }),
  ]);
  return port;
}

test('edge, core, relay and workers listen on loopback only, metrics included', async () => {
  const ports = Object.fromEntries(
    await Promise.all(
      (
        [
          ['edge', 'edge/src/main.ts', 'PORT'],
          ['core', 'core/src/main.ts', 'PORT'],
          ['relay', 'core/src/relay-main.ts', 'RELAY_PORT'],
          ['workers', 'core/src/workers/main.ts', 'WORKERS_PORT'],
        ] as const
      ).map(async ([name, entry, portVar]) => [name, await start(entry, portVar, {})] as const),
    ),
  );
  const other = otherAddress();
  for (const [name, port] of Object.entries(ports)) {
    expect({ name, listening: listeningOn(port) }).toEqual({ name, listening: ['127.0.0.1'] });
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect({ name, metrics: metrics.status }).toEqual({ name, metrics: 200 });
    if (other)
      expect({ name, other: await reachable(other, port) }).toEqual({ name, other: false });
  }
}, 120_000);

test('HOST=0.0.0.0 (as compose sets it in containers) listens on every interface', async () => {
  const port = await start('edge/src/main.ts', 'PORT', { HOST: '0.0.0.0' });
  expect(listeningOn(port)).toEqual(['0.0.0.0']);
  const other = otherAddress();
  if (other) expect(await reachable(other, port)).toBe(true);
}, 120_000);
