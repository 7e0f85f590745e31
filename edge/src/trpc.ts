// The edge's one tRPC instance: context, error formatter and base procedures.
import { initTRPC } from '@trpc/server';
import type { Sql } from '@weltgewebe/db/client';
import {
  ApiError,
  type AuthIdentity,
  formatApiError,
  type InputSchema,
  inputGuard,
  inputSchemasOf,
  type Logger,
  type SessionRevocations,
} from '@weltgewebe/kit';
import type { CoreClientFactory } from './core-client.ts';
import type { LiveHub } from './live/live-hub.ts';
import { parseLsn } from './replica/lsn.ts';
import type { ReadRouting } from './replica/read-routing.ts';
import type { TileInvalidator } from './tiles/invalidation.ts';

export interface EdgeServices {
  /**
   * Read-only pool (edge role) for this call: in a read procedure the one read-routing picked
   * (replica or primary), elsewhere the primary.
   */
  sql: Sql;
  /** Primary and replica, and which of them may answer a read. */
  reads: ReadRouting;
  core: CoreClientFactory;
  log: Logger;
  authRequiredForRead: boolean;
  /** This instance's fan-out of live changes (live.changes). */
  live: LiveHub;
  /**
   * This instance's tile invalidation, the entry its NATS consumer uses too. A forwarded
   * command hands it the change the core answered with, so the person who made it and
   * reloads at once gets fresh tiles here before the event arrives.
   */
  tileInvalidator: Pick<TileInvalidator, 'handle'>;
  /** This instance's signed-out sessions (the verifier's list). */
  revocations?: SessionRevocations;
}

export interface EdgeContext {
  requestId: string;
  identity: AuthIdentity | null;
  traceparent: string | null;
  services: EdgeServices;
  log: Logger;
  /** The caller's last write (cookie or header): reads must not be older. */
  minLsn: bigint | null;
  /** Filled by forwarded commands: the newest WAL position the core answered with. */
  commit: { lsn: bigint | null };
}

const t = initTRPC.context<EdgeContext>().create({
  // Subscriptions (SSE): a ping comment keeps idle streams open through Bun's idle timeout
  // and proxies; a client that hears nothing for longer reconnects.
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
  errorFormatter: ({ shape, error, ctx }) =>
    formatApiError({ shape, error, requestId: ctx?.requestId ?? null }),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Input schemas by procedure path, so the guard can name every wrong field at once; filled by
 * router.ts once the root router exists (registerInputSchemas(edgeRouter)).
 */
const inputSchemas = new Map<string, InputSchema[]>();

export function registerInputSchemas(root: Parameters<typeof inputSchemasOf>[0]): void {
  for (const [path, schemas] of inputSchemasOf(root)) inputSchemas.set(path, schemas);
}

/**
 * Every read starts here: input the database cannot store (NUL, lone surrogates) or nested
 * absurdly deep is VALIDATION_FAILED before anything runs, and a database refusal of input
 * that still gets through is a 400, not a 500. Forwarded commands check nesting only: the
 * core refuses their text together with every other mistake in them.
 */
const guarded = (text: boolean) =>
  t.procedure.use(({ ctx, getRawInput, next, path }) =>
    inputGuard(
      getRawInput,
      next,
      (refusal) =>
        ctx.log.warn('input refused by the database, not by its schema', { path, ...refusal }),
      { schemas: inputSchemas.get(path), text },
    ),
  );

/**
 * Reads: open to everyone unless AUTH_REQUIRED_FOR_READ. Answered by the replica when it holds
 * the caller's last write, else by the primary; a read the replica broke off (it went away)
 * runs again on the primary.
 */
export const readProcedure = guarded(true).use(async ({ ctx, next }) => {
  if (ctx.services.authRequiredForRead && !ctx.identity) {
    throw new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', 'Zum Lesen ist eine Anmeldung nötig.');
  }
  const { reads } = ctx.services;
  const sql = await reads.forCaller(ctx.minLsn);
  const result = await next({ ctx: { services: { ...ctx.services, sql } } });
  if (!result.ok && reads.retryOnPrimary(sql, result.error.cause)) {
    return next({ ctx: { services: { ...ctx.services, sql: reads.primary } } });
  }
  return result;
});

/** Commands: forwarded to the core with the caller's token; the core decides. */
export const forwardProcedure = guarded(false).use(({ ctx, next }) => {
  if (!ctx.identity) throw new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', 'Anmeldung erforderlich.');
  const identity = ctx.identity;
  const core = ctx.services.core({
    token: identity.token,
    requestId: ctx.requestId,
    traceparent: ctx.traceparent,
    onCommitLsn: (text) => {
      const lsn = parseLsn(text);
      if (lsn !== null && (ctx.commit.lsn === null || lsn > ctx.commit.lsn)) ctx.commit.lsn = lsn;
    },
  });
  // What a command reads around its forwarding (a node's place before a move) is the primary's.
  const services = { ...ctx.services, sql: ctx.services.reads.primary };
  return next({ ctx: { ...ctx, identity, core, services } });
});
