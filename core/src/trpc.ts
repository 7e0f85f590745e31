// The core's one tRPC instance: context, error formatter and the base procedures.

import { initTRPC } from '@trpc/server';
import type { AuthIdentity, Logger, Role } from '@weltgewebe/kit';
import {
  formatApiError,
  type InputSchema,
  inputGuard,
  inputSchemasOf,
  roleAtLeast,
} from '@weltgewebe/kit';
import { forbidden, unauthorized } from './errors.ts';
import { enforceCommandLimit } from './rate-limit/command-limit.ts';
import type { CoreServices } from './services.ts';

export interface CoreContext {
  requestId: string;
  identity: AuthIdentity | null;
  services: CoreServices;
  log: Logger;
}

const ROLE_NAMES: Record<Role, string> = { reader: 'Leser', weaver: 'Weber', admin: 'Admin' };

const t = initTRPC.context<CoreContext>().create({
  errorFormatter: ({ shape, error, ctx }) =>
    formatApiError({ shape, error, requestId: ctx?.requestId ?? null }),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Input schemas by procedure path, so the guard can name every wrong field at once; filled by
 * router.ts once the root router exists (registerInputSchemas(coreRouter)).
 */
const inputSchemas = new Map<string, InputSchema[]>();

export function registerInputSchemas(root: Parameters<typeof inputSchemasOf>[0]): void {
  for (const [path, schemas] of inputSchemasOf(root)) inputSchemas.set(path, schemas);
}

/**
 * Every procedure starts here: input the database cannot store (NUL, lone surrogates) or
 * nested absurdly deep is VALIDATION_FAILED before anything runs, and a database refusal of
 * input that still gets through is a 400, not a 500.
 */
export const publicProcedure = t.procedure.use(({ ctx, getRawInput, next, path }) =>
  inputGuard(
    getRawInput,
    next,
    (refusal) =>
      ctx.log.warn('input refused by the database, not by its schema', { path, ...refusal }),
    { schemas: inputSchemas.get(path) },
  ),
);

/** Reads of the public map: open to everyone unless AUTH_REQUIRED_FOR_READ. */
export const readProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.services.authRequiredForRead && !ctx.identity)
    throw unauthorized('Zum Lesen ist eine Anmeldung nötig.');
  return next();
});

export const authedProcedure = publicProcedure.use(async ({ ctx, next, type }) => {
  if (!ctx.identity) throw unauthorized();
  // Every command (mutation) of a signed-in account counts against its per-minute limit.
  if (type === 'mutation') await enforceCommandLimit(ctx.services, ctx.identity.subject);
  return next({ ctx: { ...ctx, identity: ctx.identity } });
});

/**
 * Signed in, but not counted against the command limit: sign-out must always work, and it
 * cannot be repeated with one token (the token is refused right after it).
 */
export const signedInProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.identity) throw unauthorized();
  return next({ ctx: { ...ctx, identity: ctx.identity } });
});

export const roleProcedure = (needed: Role) =>
  authedProcedure.use(({ ctx, next }) => {
    if (!roleAtLeast(ctx.identity.role, needed)) {
      throw forbidden('ROLE_REQUIRED', `Dafür brauchst du die Rolle ${ROLE_NAMES[needed]}.`);
    }
    return next();
  });
