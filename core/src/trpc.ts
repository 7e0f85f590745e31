// The core's one tRPC instance: context, error formatter and the base procedures.

import { initTRPC } from '@trpc/server';
import type { AuthIdentity, Logger, Role } from '@weltgewebe/infra/kit';
import { roleAtLeast } from '@weltgewebe/infra/kit';
import { ZodError } from 'zod';
import { DomainError, forbidden, unauthorized } from './errors.ts';
import type { CoreServices } from './services.ts';

export interface CoreContext {
  requestId: string;
  identity: AuthIdentity | null;
  services: CoreServices;
  log: Logger;
}

const ROLE_NAMES: Record<Role, string> = { reader: 'Leser', weaver: 'Weber', admin: 'Admin' };

/** Zod issues → { field: [messages] } with dotted paths. */
export function fieldErrorsOf(error: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '_';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

const t = initTRPC.context<CoreContext>().create({
  errorFormatter({ shape, error, ctx }) {
    const requestId = ctx?.requestId ?? null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    if (internal) {
      ctx?.log.error('internal error', { request_id: requestId, error: error.cause ?? error });
    }
    let domainCode: string = error.code;
    let fieldErrors: Record<string, string[]> | undefined;
    let details: Record<string, unknown> | undefined;
    if (error instanceof DomainError) {
      domainCode = error.domainCode;
      fieldErrors = error.fieldErrors;
      details = error.details;
    } else if (error.cause instanceof ZodError) {
      domainCode = 'VALIDATION_FAILED';
      fieldErrors = fieldErrorsOf(error.cause);
    }
    return {
      code: shape.code,
      // Never a database message, SQL or stack: only what we chose to say.
      message: internal
        ? `Interner Fehler (Anfrage ${requestId ?? 'unbekannt'}).`
        : domainCode === 'VALIDATION_FAILED' && !(error instanceof DomainError)
          ? 'Eingaben ungültig.'
          : error.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        domainCode,
        requestId,
        ...(fieldErrors ? { fieldErrors } : {}),
        ...(details ? { details } : {}),
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

export const authedProcedure = t.procedure.use(({ ctx, next }) => {
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

export { DomainError };
