// Sign-out ends access at once, everywhere: after sessions.revoke the old access token is
// refused (401 SESSION_REVOKED) by the edge that took the sign-out, by the core, by a second
// edge instance as soon as the `session.revoked` event arrives, by a second core instance
// through the database's NOTIFY, and by an edge started afterwards (from the table). The
// person's other sign-in and other people carry on. Real PostgreSQL, NATS, OIDC provider.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTRPCClient, httpLink } from '@trpc/client';
import { createPool } from '@weltgewebe/db/client';
import { DEMO_PASSWORD, loginWithCodeFlow, TEST_CLIENT, testOidc } from '@weltgewebe/infra/testing';
import {
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  SessionRevocations,
} from '@weltgewebe/kit';
import { createCoreFetch } from '../../../core/src/http.ts';
import type { CoreRouter } from '../../../core/src/router.ts';
import { startRevocationSync } from '../../../core/src/sessions/revocation-sync.ts';
import { failureOf } from '../../../core/src/testing/failure-of.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
let other: Awaited<ReturnType<EdgeHarness['startInstance']>>;

const freshLogin = async (username: 'reader' | 'weaver') =>
  loginWithCodeFlow({
    issuer: (await testOidc()).issuer,
    ...TEST_CLIENT,
    username,
    password: DEMO_PASSWORD,
  });

/** A second core instance on the same database: its own list, kept by NOTIFY only. */
async function secondCore() {
  const oidc = await testOidc();
  const sql = createPool(h.core.db.coreUrl, { applicationName: 'core-test-2', max: 3 });
  const log = createLogger('core', { sink: () => {} });
  const revocations = new SessionRevocations();
  // Reloads far apart: anything it learns within the test came by NOTIFY.
  const sync = startRevocationSync(sql, revocations, log, { reloadMs: 600_000 });
  await Promise.all([sync.loaded, sync.listening]);
  const handler = createCoreFetch({
    services: { sql, log, now: () => new Date(), revocations },
    verifier: createJwtVerifier({
      issuer: oidc.issuer,
      audience: 'weltgewebe',
      roleClaimPath: 'realm_access.roles',
      revocations,
    }),
    metrics: createServiceMetrics('core'),
    checks: {},
  });
  const client = (token: string) =>
    createTRPCClient<CoreRouter>({
      links: [
        httpLink({
          url: 'http://core-2.test/trpc',
          headers: () => ({ authorization: `Bearer ${token}` }),
          fetch: (url, init) => handler(new Request(url, init as RequestInit)),
        }),
      ],
    });
  return {
    client,
    async stop() {
      await sync.stop();
      await sql.end({ timeout: 2 });
    },
  };
}

/** Polls until `call` fails with SESSION_REVOKED (or the time is up); returns the failure. */
async function refusedWithin(ms: number, call: () => Promise<unknown>) {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await call().then(
      () => null,
      (error: unknown) => error,
    );
    const code = (result as { data?: { domainCode?: string } } | null)?.data?.domainCode;
    if (code === 'SESSION_REVOKED' || Date.now() > deadline) return failureOf(call());
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  h = await startEdgeHarness();
  await h.core.relay.start();
  other = await h.startInstance();
});
afterAll(async () => {
  await h?.stop();
});

describe('sign-out', () => {
  test('the old access token is refused by every edge and core instance at once', async () => {
    const core2 = await secondCore();
    try {
      const phone = await freshLogin('reader');
      const laptop = await freshLogin('reader');
      const weaver = await freshLogin('weaver');
      // Signed in everywhere before.
      expect((await h.client(phone.accessToken).accounts.me.query()).displayName).toBeString();
      expect(await other.client(phone.accessToken).accounts.me.query()).toBeTruthy();
      expect(await core2.client(phone.accessToken).accounts.me.query()).toBeTruthy();

      expect(await h.client(phone.accessToken).sessions.revoke.mutate()).toEqual({
        revoked: true,
      });

      // The edge that took the sign-out and the core behind it: at once.
      const atEdge = await failureOf(h.client(phone.accessToken).accounts.me.query());
      expect(atEdge.data).toMatchObject({
        domainCode: 'SESSION_REVOKED',
        code: 'UNAUTHORIZED',
        httpStatus: 401,
      });
      const atCore = await failureOf(h.core.clientFor(phone.accessToken).accounts.me.query());
      expect(atCore.data.domainCode).toBe('SESSION_REVOKED');

      // The other edge when the event arrives (its periodic read is 30 s away), the other
      // core by NOTIFY (its periodic read is 10 min away).
      const started = performance.now();
      const atOther = await refusedWithin(10_000, () =>
        other.client(phone.accessToken).accounts.me.query(),
      );
      const eventMs = Math.round(performance.now() - started);
      expect(atOther.data.domainCode).toBe('SESSION_REVOKED');
      const atCore2 = await refusedWithin(5_000, () =>
        core2.client(phone.accessToken).accounts.me.query(),
      );
      expect(atCore2.data.domainCode).toBe('SESSION_REVOKED');
      console.log(`second edge refused the signed-out token ${eventMs} ms after sign-out`);

      // Public reads with the old token are refused too, not served as if anonymous.
      const read = await failureOf(
        h.client(phone.accessToken).accounts.byId.query({ id: crypto.randomUUID() }),
      );
      expect(read.data.domainCode).toBe('SESSION_REVOKED');

      // An edge started after the sign-out knows it from the table.
      const late = await h.startInstance();
      const atLate = await failureOf(late.client(phone.accessToken).accounts.me.query());
      expect(atLate.data.domainCode).toBe('SESSION_REVOKED');

      // The same person's other sign-in, and other people, carry on everywhere.
      for (const token of [laptop.accessToken, weaver.accessToken]) {
        expect(await h.client(token).accounts.me.query()).toBeTruthy();
        expect(await other.client(token).accounts.me.query()).toBeTruthy();
        expect(await core2.client(token).accounts.me.query()).toBeTruthy();
      }

      // Signing out again with the same token is refused like any other call with it.
      const again = await failureOf(h.client(phone.accessToken).sessions.revoke.mutate());
      expect(again.data.domainCode).toBe('SESSION_REVOKED');

      // The event says which session, and nothing about the person.
      const events = await h.core.streamEvents('gewebe.session.revoked');
      expect(events).toHaveLength(1);
      expect(events[0]!.actorId).toBeNull();
      expect(JSON.stringify(events[0])).not.toContain('demo-reader');
    } finally {
      await core2.stop();
    }
  });

  test('without a token there is nothing to sign out; the edge role cannot write the list', async () => {
    const anonymous = await failureOf(h.client(null).sessions.revoke.mutate());
    expect(anonymous.data.code).toBe('UNAUTHORIZED');
    const edgeSql = createPool(h.core.db.edgeUrl, { applicationName: 'edge-role-test', max: 1 });
    try {
      await expect(
        edgeSql`INSERT INTO session_revocations (kind, key, valid_until) VALUES ('session', 'x', now() + interval '1 hour')`,
      ).rejects.toThrow(/permission denied|read-only transaction/);
      await expect(
        edgeSql.begin('read write', (tx) => tx`DELETE FROM session_revocations`),
      ).rejects.toThrow(/permission denied/);
      await expect(edgeSql`SELECT revoked_at FROM session_revocations`).rejects.toThrow(
        /permission denied/,
      );
      await edgeSql`SELECT kind, key, issued_before, valid_until FROM session_revocations`;
    } finally {
      await edgeSql.end({ timeout: 2 });
    }
  });
});
