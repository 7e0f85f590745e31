// Domain errors of the core: stable SCREAMING codes mapped to tRPC codes (see ApiError).
import { ApiError } from '@weltgewebe/kit';

export { ApiError as DomainError };

export const unauthorized = (message = 'Anmeldung erforderlich.') =>
  new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', message);

export const forbidden = (domainCode: string, message: string) =>
  new ApiError(domainCode, 'FORBIDDEN', message);

export const conflict = (domainCode: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(domainCode, 'CONFLICT', message, details);

export const notFound = (domainCode: string, message: string) =>
  new ApiError(domainCode, 'NOT_FOUND', message);

export const invalid = (fieldErrors: Record<string, string[]>, message = 'Eingaben ungültig.') =>
  new ApiError('VALIDATION_FAILED', 'BAD_REQUEST', message, undefined, fieldErrors);

/** SQLSTATE with which the command functions (db/migrations/0017) refuse; the message is the code. */
export const REFUSAL_SQLSTATE = 'WG001';

function refusalCode(error: unknown): string | null {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  return e?.name === 'PostgresError' && e.code === REFUSAL_SQLSTATE && typeof e.message === 'string'
    ? e.message
    : null;
}

/**
 * Awaits one command statement and turns a refusal raised in SQL into the domain error named for
 * its code. A code without an entry stays what it is (a bug: an internal error).
 */
export async function refusalsAsDomainErrors<T>(
  statement: Promise<T>,
  refusals: Record<string, () => ApiError>,
): Promise<T> {
  try {
    return await statement;
  } catch (error) {
    const code = refusalCode(error);
    const make = code === null ? undefined : refusals[code];
    throw make ? make() : error;
  }
}
