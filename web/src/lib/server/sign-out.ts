// Sign-out ends access at once: the web asks the edge (and through it the core) to revoke the
// session of the access token it holds, so that token — and any copy of it — is refused by
// every edge and core instance from now on, not only when it expires.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { EdgeRouter } from '@weltgewebe/edge/router';
import { env } from './env';

/** How long sign-out waits for the edge; the local sign-out happens in any case. */
const REVOKE_TIMEOUT_MS = 5_000;

export type RevokeOutcome = 'revoked' | 'token-no-longer-valid' | 'failed';

export async function revokeSession(
  accessToken: string,
  requestId: string,
): Promise<RevokeOutcome> {
  const edge = createTRPCClient<EdgeRouter>({
    links: [
      httpLink({
        url: `${env.EDGE_URL}/trpc`,
        headers: () => ({ authorization: `Bearer ${accessToken}`, 'x-request-id': requestId }),
        fetch: (url, init) =>
          fetch(url, {
            ...(init as RequestInit),
            signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS),
          }),
      }),
    ],
  });
  try {
    await edge.sessions.revoke.mutate();
    return 'revoked';
  } catch (error) {
    // Expired, already signed out, or never valid: that token opens nothing any more anyway.
    if (error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED')
      return 'token-no-longer-valid';
    throw error;
  }
}
