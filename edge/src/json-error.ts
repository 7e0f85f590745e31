// The edge's one JSON error outside tRPC (tiles, refusals, unknown paths):
// { error: { code, message, requestId } }, never stored by a cache. tRPC answers keep tRPC's
// shape (formatted in trpc.ts), so the web's tRPC client sees its own kind of error.
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { ApiError } from '@weltgewebe/kit';

export interface JsonErrorExtras {
  /** Public facts beside the code, e.g. `retryAfterSeconds`. */
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export function jsonError(
  status: number,
  code: string,
  message: string,
  requestId: string,
  { details, headers }: JsonErrorExtras = {},
): Response {
  // Details first: they can never overwrite the code or the request id.
  return Response.json(
    { error: { ...details, code, message, requestId } },
    { status, headers: { 'cache-control': 'no-store', ...headers } },
  );
}

/** A domain error as JSON: its HTTP status, its domain code, and Retry-After when it says when. */
export function jsonErrorOf(error: ApiError, requestId: string): Response {
  const retry = error.details?.retryAfterSeconds;
  return jsonError(getHTTPStatusCodeFromError(error), error.domainCode, error.message, requestId, {
    details: error.details,
    headers: typeof retry === 'number' ? { 'retry-after': String(Math.ceil(retry)) } : {},
  });
}
