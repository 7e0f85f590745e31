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
