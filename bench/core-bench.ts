// Benchmark (a script, not a test): starts real PostgreSQL, NATS, the dev OIDC provider, and
// core, edge and relay as processes on loopback, then prints side by side
//   1. nodes.create per second through edge → core (HTTP, real token) vs the same INSERT +
//      outbox row straight in SQL, and
//   2. commit → event seen by a consumer (through the relay) vs a bare JetStream
//      publish → consume.
// Bounded counts; it stops everything by itself. Run: `bun bench/core-bench.ts`.
import { join } from 'node:path';
import { cellsOf } from '../core/src/geo/h3-cells.ts';
import { writeEvent } from '../core/src/outbox/write-event.ts';
import { createPool } from '../db/src/client.ts';
import { type EventEnvelope, makeEnvelope } from '../events/src/contracts.ts';
import {
  connectNats,
  consumeFromNow,
  ensureStream,
  jetstream,
  publishEnvelope,
} from '../events/src/jetstream.ts';
import { freePort, waitForHttp } from '../infra/src/services/free-port.ts';
import {
  accessTokenFor,
  freshDatabase,
  REPO_ROOT,
  shutdownTestServices,
  stopTestOidc,
  testOidc,
  testServices,
} from '../infra/src/testing/index.ts';

const CREATES = Number(process.env.BENCH_CREATES ?? 900);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 400);
const EVENT_GAP_MS = 5;

const say = (line: string) => console.log(line);
const procs: ReturnType<typeof Bun.spawn>[] = [];

function spawn(name: string, script: string, env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, script], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdout: 'ignore',
    stderr: Bun.file(join(REPO_ROOT, '.data', `bench-${name}.log`)),
  });
  procs.push(proc);
  return proc;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Runs `total` jobs with `concurrency` in flight; returns wall time and per-job latencies. */
async function load(total: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await job(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: total / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);

async function main() {
  say('starting PostgreSQL, NATS and the dev OIDC provider …');
  const [{ nats }, oidc, db] = await Promise.all([testServices(), testOidc(), freshDatabase()]);
  const [corePort, edgePort, relayPort] = [await freePort(), await freePort(), await freePort()];
  const common = {
    NATS_URL: nats.url,
    OIDC_ISSUER: oidc.issuer,
    OIDC_AUDIENCE: 'weltgewebe',
    ROLE_CLAIM_PATH: 'realm_access.roles',
  };
  say('starting core, relay and edge …');
  spawn('core', 'core/src/main.ts', {
    ...common,
    PORT: String(corePort),
    CORE_DATABASE_URL: db.coreUrl,
    // The bench measures the path, not the per-account limit of 60 commands a minute.
    COMMANDS_PER_MINUTE: '1000000',
  });
  spawn('relay', 'core/src/relay-main.ts', {
    ...common,
    RELAY_PORT: String(relayPort),
    CORE_DATABASE_URL: db.coreUrl,
  });
  spawn('edge', 'edge/src/main.ts', {
    ...common,
    PORT: String(edgePort),
    EDGE_DATABASE_URL: db.edgeUrl,
    CORE_URL: `http://127.0.0.1:${corePort}`,
  });
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${corePort}/health/ready`, 60_000),
    waitForHttp(`http://127.0.0.1:${relayPort}/health/ready`, 60_000),
    waitForHttp(`http://127.0.0.1:${edgePort}/health/ready`, 60_000),
  ]);
  // Three demo people, so no one reaches the quota of 1,000 live nodes.
  const tokens = await Promise.all(
    (['reader', 'weaver', 'admin'] as const).map((r) => accessTokenFor(r)),
  );
  const sql = createPool(db.coreUrl, { applicationName: 'bench', max: CONCURRENCY + 2 });
  const nc = await connectNats(nats.url, 'bench');
  await ensureStream(nc);
  const js = jetstream(nc);

  // 1. Commands per second.
  const createVia = (port: number) => async (i: number) => {
    const res = await fetch(`http://127.0.0.1:${port}/trpc/nodes.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % 3]}` },
      body: JSON.stringify({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title: `Bench ${i}`,
        lat: 53.5 + (i % 100) * 0.001,
        lon: 10 + Math.floor(i / 100) * 0.001,
      }),
    });
    if (!res.ok) throw new Error(`nodes.create: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  const createViaEdge = createVia(edgePort);
  const createViaCore = createVia(corePort);
  let sqlAccount = '';
  const createInSql = async (i: number) => {
    const lat = 48 + (i % 100) * 0.001;
    const lon = 11 + Math.floor(i / 100) * 0.001;
    const c = cellsOf(lat, lon);
    await sql.begin(async (tx) => {
      const [node] = await tx<{ id: string }[]>`
        INSERT INTO nodes (kind, title, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
        VALUES ('place', ${`SQL ${i}`}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326),
                ${String(c.r3)}, ${String(c.r5)}, ${String(c.r7)}, ${String(c.r9)}, ${sqlAccount})
        RETURNING id`;
      await writeEvent(
        tx,
        'node.created',
        { actorId: sqlAccount, aggregateId: node!.id, version: 1 },
        {
          id: node!.id,
          kind: 'place',
          title: `SQL ${i}`,
          topics: [],
          location: { lat, lon },
          version: 1,
        },
      );
    });
  };
  say(`warming up (edge → core and SQL, ${CONCURRENCY} in flight) …`);
  await load(30, CONCURRENCY, createViaEdge);
  sqlAccount = (await sql<{ id: string }[]>`SELECT id FROM accounts LIMIT 1`)[0]!.id;
  await load(30, CONCURRENCY, createInSql);
  say(
    `measuring ${CREATES} nodes.create through the edge, a third of that at the core, then ${CREATES} in SQL …`,
  );
  const viaEdge = await load(CREATES, CONCURRENCY, createViaEdge);
  // Not a side-by-side pair of its own: splits the edge hop from the core's work.
  const viaCore = await load(Math.floor(CREATES / 3), CONCURRENCY, createViaCore);
  const inSql = await load(CREATES, CONCURRENCY, createInSql);

  // 2. Commit → event seen, against a bare publish → consume; one event at a time, after the
  // relay has caught up with the rows of part 1.
  for (let t = 0; t < 600; t++) {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
    if (row!.n === 0) break;
    await Bun.sleep(100);
  }
  const seen = new Map<string, number>();
  const stop = new AbortController();
  const consuming = (async () => {
    const malformed = (info: { subject: string }) => {
      throw new Error(`malformed event on ${info.subject}`);
    };
    for await (const env of consumeFromNow(js, ['gewebe.map.viewed'], stop.signal, malformed)) {
      seen.set(env.id, performance.now());
    }
  })();
  await Bun.sleep(300); // the consumer is attached
  const waitSeen = async (id: string) => {
    const deadline = Date.now() + 10_000;
    while (!seen.has(id) && Date.now() < deadline) await Bun.sleep(0.2);
    return seen.get(id) ?? Number.NaN;
  };
  say(`measuring commit → event seen (${EVENTS} events through the relay) …`);
  const viaOutbox: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    let id = '';
    await sql.begin(async (tx) => {
      id = await writeEvent(
        tx,
        'map.viewed',
        { actorId: null, aggregateId: 'bench', version: 1 },
        { zoom: 5, count: i + 1 },
      );
    });
    const committed = performance.now();
    viaOutbox.push((await waitSeen(id)) - committed);
    await Bun.sleep(EVENT_GAP_MS);
  }
  say(`measuring bare publish → consume (${EVENTS} events) …`);
  const bare: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const envelope: EventEnvelope = makeEnvelope(
      'map.viewed',
      {
        id: crypto.randomUUID(),
        occurredAt: new Date(),
        actorId: null,
        aggregateId: 'bench',
        version: 1,
      },
      { zoom: 5, count: i + 1 },
    );
    const sent = performance.now();
    await publishEnvelope(js, envelope);
    bare.push((await waitSeen(envelope.id)) - sent);
    await Bun.sleep(EVENT_GAP_MS);
  }
  stop.abort();
  await consuming.catch(() => {});
  viaOutbox.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const lost = viaOutbox.filter(Number.isNaN).length + bare.filter(Number.isNaN).length;

  say('');
  say(
    `bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs, loopback, ${CONCURRENCY} in flight`,
  );
  say('                                      measured      baseline     ratio');
  say(
    `nodes.create / s (edge→core vs SQL)  ${fmt(viaEdge.perSecond)}     ${fmt(inSql.perSecond)}    ${fmt(viaEdge.perSecond / inSql.perSecond, 2)}`,
  );
  say(
    `  request p50 / p99 ms               ${fmt(viaEdge.p50)} /${fmt(viaEdge.p99)}  ${fmt(inSql.p50)} /${fmt(inSql.p99)}`,
  );
  say(
    `  (core alone, no edge: ${viaCore.perSecond.toFixed(1)} / s, p50 ${viaCore.p50.toFixed(1)} ms, p99 ${viaCore.p99.toFixed(1)} ms)`,
  );
  const p = (xs: number[], q: number) => quantile(xs, q);
  say(
    `event p50 ms (commit→seen vs bare)   ${fmt(p(viaOutbox, 0.5), 2)}     ${fmt(p(bare, 0.5), 2)}    ${fmt(p(viaOutbox, 0.5) / p(bare, 0.5), 2)}`,
  );
  say(
    `event p99 ms (commit→seen vs bare)   ${fmt(p(viaOutbox, 0.99), 2)}     ${fmt(p(bare, 0.99), 2)}    ${fmt(p(viaOutbox, 0.99) / p(bare, 0.99), 2)}`,
  );
  if (lost > 0) say(`WARNING: ${lost} events were not seen within 10 s`);
  // The one line to compare runs by (issue: r ≥ 0.5, commit→event p99 ≤ 50 ms).
  say(
    `core bench: ratio ${(viaEdge.perSecond / inSql.perSecond).toFixed(2)} (event p99 ${p(viaOutbox, 0.99).toFixed(1)} ms)`,
  );

  await nc.drain();
  await sql.end({ timeout: 2 });
  for (const proc of procs) proc.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  await db.drop();
  await stopTestOidc();
  shutdownTestServices();
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(error);
  for (const proc of procs) proc.kill('SIGKILL');
  shutdownTestServices();
  process.exit(1);
}
