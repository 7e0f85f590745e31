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
import type { TileInvalidator } from './tiles/invalidation.ts';

export interface EdgeServices {
  /** Read-only pool (edge role; replica when configured). */
  sql: Sql;
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

/** Reads: open to everyone unless AUTH_REQUIRED_FOR_READ. */
export const readProcedure = guarded(true).use(({ ctx, next }) => {
  if (ctx.services.authRequiredForRead && !ctx.identity) {
    throw new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', 'Zum Lesen ist eine Anmeldung nötig.');
  }
  return next();
});

/** Commands: forwarded to the core with the caller's token; the core decides. */
export const forwardProcedure = guarded(false).use(({ ctx, next }) => {
  if (!ctx.identity) throw new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', 'Anmeldung erforderlich.');
  const identity = ctx.identity;
  const core = ctx.services.core({
    token: identity.token,
    requestId: ctx.requestId,
    traceparent: ctx.traceparent,
  });
  return next({ ctx: { ...ctx, identity, core } });
});
