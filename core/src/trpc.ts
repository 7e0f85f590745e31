// The core's one tRPC instance: context, error formatter and the base procedures.

import { initTRPC } from '@trpc/server';
import type { AuthIdentity, Logger, Role } from '@weltgewebe/kit';
import { formatApiError, roleAtLeast } from '@weltgewebe/kit';
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
export const publicProcedure = t.procedure;

/** Reads of the public map: open to everyone unless AUTH_REQUIRED_FOR_READ. */
export const readProcedure = t.procedure.use(({ ctx, next }) => {
  if (ctx.services.authRequiredForRead && !ctx.identity)
    throw unauthorized('Zum Lesen ist eine Anmeldung nötig.');
  return next();
});

export const authedProcedure = t.procedure.use(async ({ ctx, next, type }) => {
  if (!ctx.identity) throw unauthorized();
  // Every command (mutation) of a signed-in account counts against its per-minute limit.
  if (type === 'mutation') await enforceCommandLimit(ctx.services, ctx.identity.subject);
  return next({ ctx: { ...ctx, identity: ctx.identity } });
});

export const roleProcedure = (needed: Role) =>
  authedProcedure.use(({ ctx, next }) => {
    if (!roleAtLeast(ctx.identity.role, needed)) {
      throw forbidden('ROLE_REQUIRED', `Dafür brauchst du die Rolle ${ROLE_NAMES[needed]}.`);
    }
    return next();
  });
