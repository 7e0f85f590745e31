// Typed tRPC client to the core. Forwards the caller's token, request id and trace
// context; keeps core errors' codes; core down or slow becomes SERVICE_UNAVAILABLE.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { CoreRouter } from '@weltgewebe/core/router';
import { ApiError, type ApiErrorData } from '@weltgewebe/kit';

export interface ForwardContext {
  /** The caller's access token; null for public reads the core answers for everyone. */
  token: string | null;
  requestId: string;
  traceparent?: string | null;
}

export function createCoreClient(
  baseUrl: string,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
) {
  return (fwd: ForwardContext) =>
    createTRPCClient<CoreRouter>({
      links: [
        httpLink({
          url: `${baseUrl.replace(/\/$/, '')}/trpc`,
          headers: () => ({
            ...(fwd.token ? { authorization: `Bearer ${fwd.token}` } : {}),
            'x-request-id': fwd.requestId,
            ...(fwd.traceparent ? { traceparent: fwd.traceparent } : {}),
          }),
          fetch: (url, init) =>
            fetchImpl(url, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) }),
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
