// Builds a real core (real PostgreSQL, NATS and OIDC provider) for tests, reachable over HTTP
// semantics without a port: requests go straight into the fetch handler.
import { createTRPCClient, httpLink } from '@trpc/client';
import { createPool } from '@weltgewebe/db/client';
import { type EventEnvelope, STREAM_NAME } from '@weltgewebe/events/contracts';
import {
  connectNats,
  DeliverPolicy,
  ensureStream,
  jetstream,
  jetstreamManager,
} from '@weltgewebe/events/jetstream';
import { accessTokenFor, freshDatabase, testOidc, testServices } from '@weltgewebe/infra/testing';
import {
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  type JwtVerifier,
  SessionRevocations,
} from '@weltgewebe/kit';
import { walInsertLsn } from '../commit-lsn.ts';
import { createCoreFetch } from '../http.ts';
import { OutboxRelay } from '../outbox/relay.ts';
import type { CoreRouter } from '../router.ts';
import { startRevocationSync } from '../sessions/revocation-sync.ts';

export interface CoreHarnessOptions {
  /** Another verifier (other issuer, claim path or limits); default: the test provider's. */
  verifier?: JwtVerifier;
  authRequiredForRead?: boolean;
  /** Commands per account and minute (default 60, as in production). */
  commandsPerMinute?: number;
  /** Web Push on, with this VAPID public key (and http:// push endpoints on the loopback). */
  pushPublicKey?: string;
}

export async function startCoreHarness(opts: CoreHarnessOptions = {}) {
  const [{ nats }, oidc, db] = await Promise.all([testServices(), testOidc(), freshDatabase()]);
  const lines: string[] = [];
  const log = createLogger('core', { sink: (l) => lines.push(l), level: 'debug' });
  const sql = createPool(db.coreUrl, { applicationName: 'core-test', max: 5 });
  // Signed-out sessions, kept as in core/src/main.ts (read at start, then NOTIFY).
  const revocations = new SessionRevocations();
  const revocationSync = startRevocationSync(sql, revocations, log);
  await Promise.all([revocationSync.loaded, revocationSync.listening]);
  const verifier =
    opts.verifier ??
    createJwtVerifier({
      issuer: oidc.issuer,
      audience: 'weltgewebe',
      roleClaimPath: 'realm_access.roles',
      revocations,
    });
  const services = {
    sql,
    log,
    now: () => new Date(),
    authRequiredForRead: opts.authRequiredForRead ?? false,
    revocations,
    ...(opts.commandsPerMinute ? { commandsPerMinute: opts.commandsPerMinute } : {}),
    ...(opts.pushPublicKey
      ? { push: { publicKey: opts.pushPublicKey, allowLoopbackHttp: true } }
      : {}),
  };
  const fetchHandler = createCoreFetch({
    services,
    verifier,
    metrics: createServiceMetrics('core'),
    checks: { database: () => sql`SELECT 1` },
    commitLsn: () => walInsertLsn(sql),
  });
  const nc = await connectNats(nats.url, 'core-test');
  await ensureStream(nc);
  const js = jetstream(nc);
  const relay = new OutboxRelay({ sql, js, log, pollIntervalMs: 200 });

  const clientFor = (token: string | null) =>
    createTRPCClient<CoreRouter>({
      links: [
        httpLink({
          url: 'http://core.test/trpc',
          headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
          fetch: (url, init) => fetchHandler(new Request(url, init as RequestInit)),
        }),
      ],
    });

  /** Every event currently in the stream whose subject matches (read with a fresh ordered consumer). */
  const streamEvents = async (subject: string): Promise<EventEnvelope[]> => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_NAME);
    if (info.state.messages === 0) return [];
    const consumer = await js.consumers.get(STREAM_NAME, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.All,
    });
    const out: EventEnvelope[] = [];
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        out.push(m.json<EventEnvelope>());
      }
      if (got === 0) break;
    }
    return out;
  };

  return {
    db,
    sql,
    services,
    nc,
    js,
    relay,
    revocations,
    logLines: lines,
    fetchHandler,
    clientFor,
    clientAs: async (role: 'reader' | 'weaver' | 'admin') => clientFor(await accessTokenFor(role)),
    streamEvents,
    async stop() {
      await relay.stop().catch(() => {});
      await revocationSync.stop();
      await nc.drain().catch(() => {});
      await sql.end({ timeout: 2 });
      await db.drop();
    },
  };
}

export type CoreHarness = Awaited<ReturnType<typeof startCoreHarness>>;
