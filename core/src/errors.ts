// Domain errors: a stable SCREAMING code, a human message and the tRPC code it maps to.
import { TRPCError } from '@trpc/server';

type TrpcCode = ConstructorParameters<typeof TRPCError>[0]['code'];

export class DomainError extends TRPCError {
  constructor(
    readonly domainCode: string,
    code: TrpcCode,
    message: string,
    /** Public data for the client (e.g. the current node on a version conflict). */
    readonly details?: Record<string, unknown>,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super({ code, message });
  }
}

export const unauthorized = (message = 'Anmeldung erforderlich.') =>
  new DomainError('UNAUTHORIZED', 'UNAUTHORIZED', message);

export const forbidden = (domainCode: string, message: string) =>
  new DomainError(domainCode, 'FORBIDDEN', message);

export const conflict = (domainCode: string, message: string, details?: Record<string, unknown>) =>
  new DomainError(domainCode, 'CONFLICT', message, details);

export const notFound = (domainCode: string, message: string) =>
  new DomainError(domainCode, 'NOT_FOUND', message);

export const invalid = (fieldErrors: Record<string, string[]>, message = 'Eingaben ungültig.') =>
  new DomainError('VALIDATION_FAILED', 'BAD_REQUEST', message, undefined, fieldErrors);
