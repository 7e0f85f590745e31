// The web server's own reads from the edge (never through Caddy): a shared link's title and
// summary for its Open Graph card. Anonymous, short timeout: a card is a nicety, the page must
// not wait for it.
import { createTRPCClient, httpLink } from '@trpc/client';
import type { EdgeRouter } from '@weltgewebe/edge/router';
import { env } from './env';

const TIMEOUT_MS = 2_000;

export function edgeClient(requestId: string, forwardedFor: string | null) {
  return createTRPCClient<EdgeRouter>({
    links: [
      httpLink({
        url: `${env.EDGE_URL}/trpc`,
        headers: () => ({
          'x-request-id': requestId,
          // The edge limits reads per client; this server stands in for the person asking.
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        }),
        fetch: (url, init) =>
          fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(TIMEOUT_MS) }),
      }),
    ],
  });
}
