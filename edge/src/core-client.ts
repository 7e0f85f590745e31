// Typed tRPC client to the core. Forwards the caller's token, request id and trace
// context; keeps core errors' codes; core down or slow becomes SERVICE_UNAVAILABLE. With
// several core instances (CORE_URL as a comma list) calls take turns, and a call that could
// not even connect (an instance that is down) goes to the next one at once: it never reached
// the first, so it cannot have been applied twice. A call whose connection broke before any
// answer came (a pooled connection the core closed as it was sent) goes to the next one too
// when repeating it is harmless: a read, or a command that carries its operationId or
// idempotencyKey (the core answers a repeat with the first answer and applies it once).
// A call that timed out, or whose answer broke off, is not repeated here.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { CoreRouter } from '@weltgewebe/core/router';
import { ApiError, type ApiErrorData, DRAINING_HEADER } from '@weltgewebe/kit';

/** The header with which the core names the WAL position of a command's commit. */
export const COMMIT_LSN_HEADER = 'x-commit-lsn';

export interface ForwardContext {
  /** The caller's access token; null for public reads the core answers for everyone. */
  token: string | null;
  requestId: string;
  traceparent?: string | null;
  /** Told the WAL position the core answered a command with (read-your-writes). */
  onCommitLsn?: (lsn: string) => void;
}

/** How long an instance that refused a connection is passed over. */
const DOWN_FOR_MS = 2_000;
/**
 * How long an instance that said it is draining (a deploy replaces it) is passed over: longer
 * than its drain, so no call reaches it as it stops listening.
 */
const DRAINING_FOR_MS = 15_000;

const errorCode = (error: unknown) => (error as { code?: unknown })?.code;

function refusedConnection(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ECONNREFUSED' || code === 'ConnectionRefused';
}

/** The connection broke before an answer began (fetch rejects before any header came). */
function brokenBeforeAnswer(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ECONNRESET' || code === 'ConnectionClosed' || code === 'EPIPE';
}

/** A read, or a command the core dedupes by the id it carries: sending it twice is harmless. */
export function repeatable(init: RequestInit): boolean {
  const method = (init.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return true;
  if (typeof init.body !== 'string') return false;
  try {
    const input: unknown = JSON.parse(init.body);
    if (!input || typeof input !== 'object') return false;
    const { operationId, idempotencyKey } = input as Record<string, unknown>;
    return typeof operationId === 'string' || typeof idempotencyKey === 'string';
  } catch {
    return false;
  }
}

/** Why an instance was passed over for a call (logged by the edge). */
export type PassOver = (base: string, reason: string) => void;

/** Takes turns over the core instances and skips one that just refused connections. */
export function coreInstances(baseUrls: string[], fetchImpl: typeof fetch, onPassOver?: PassOver) {
  if (baseUrls.length === 0) throw new Error('no core URL');
  const downUntil = new Map<string, number>();
  let turn = 0;
  return async (path: string, init: RequestInit): Promise<Response> => {
    const now = Date.now();
    const start = turn++ % baseUrls.length;
    const order = baseUrls.map((_, i) => baseUrls[(start + i) % baseUrls.length]!);
    // One instance: a broken pooled connection is worth one more try on a fresh one.
    if (order.length === 1) order.push(order[0]!);
    // Up ones first; the ones marked down are still tried when nothing else is left.
    order.sort(
      (a, b) => Number((downUntil.get(a) ?? 0) > now) - Number((downUntil.get(b) ?? 0) > now),
    );
    let lastError: unknown;
    for (const base of order) {
      try {
        const response = await fetchImpl(`${base}${path}`, init);
        if (response.headers.get(DRAINING_HEADER)) {
          downUntil.set(base, Date.now() + DRAINING_FOR_MS);
        } else {
          downUntil.delete(base);
        }
        return response;
      } catch (error) {
        if (refusedConnection(error)) {
          downUntil.set(base, Date.now() + DOWN_FOR_MS);
        } else if (!(brokenBeforeAnswer(error) && repeatable(init))) {
          throw error;
        }
        onPassOver?.(base, String(errorCode(error) ?? error));
        lastError = error;
      }
    }
    throw lastError;
  };
}

export function createCoreClient(
  baseUrl: string | string[],
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
  onPassOver?: PassOver,
) {
  const bases = (Array.isArray(baseUrl) ? baseUrl : baseUrl.split(','))
    .map((u) => u.trim().replace(/\/$/, ''))
    .filter(Boolean);
  const send = coreInstances(bases, fetchImpl, onPassOver);
  const first = bases[0]!;
  return (fwd: ForwardContext) =>
    createTRPCClient<CoreRouter>({
      links: [
        httpLink({
          url: `${first}/trpc`,
          headers: () => ({
            ...(fwd.token ? { authorization: `Bearer ${fwd.token}` } : {}),
            'x-request-id': fwd.requestId,
            ...(fwd.traceparent ? { traceparent: fwd.traceparent } : {}),
          }),
          fetch: async (url, init) => {
            const response = await send(String(url).slice(first.length), {
              ...(init as RequestInit),
              signal: AbortSignal.timeout(timeoutMs),
            });
            const lsn = response.headers.get(COMMIT_LSN_HEADER);
            if (lsn) fwd.onCommitLsn?.(lsn);
            return response;
          },
        }),
      ],
    });
}

export type CoreClientFactory = ReturnType<typeof createCoreClient>;

/**
 * Runs a core call and turns its failure into an error the edge can pass on unchanged. Only
 * a core that was not reached, or did not answer as tRPC (down, slow, a proxy's error page),
 * is CORE_UNAVAILABLE; anything else is our own bug and stays an internal error.
 */
export async function forwardToCore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data: unknown = error.data;
    if (data && typeof data === 'object' && 'domainCode' in data) {
      const d = data as ApiErrorData;
      throw new ApiError(d.domainCode, d.code, error.message, d.details, d.fieldErrors);
    }
    if (data) throw error;
    throw new ApiError(
      'CORE_UNAVAILABLE',
      'SERVICE_UNAVAILABLE',
      'Der Dienst für Änderungen ist gerade nicht erreichbar. Bitte versuche es gleich noch einmal.',
    );
  }
}
