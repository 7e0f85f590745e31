// The browser's tRPC client for the edge. Same origin: Caddy routes /trpc to the edge and the
// HttpOnly cookie `wg_at` authenticates the call there, so no token is handled here.
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { EdgeRouter } from '@weltgewebe/edge/router';

export const trpc = createTRPCClient<EdgeRouter>({
  links: [httpBatchLink({ url: '/trpc' })],
});

export type CreateNodeInput = Parameters<typeof trpc.nodes.create.mutate>[0];
export type NodeDTO = Awaited<ReturnType<typeof trpc.nodes.create.mutate>>;

/** What the edge's error formatter adds to every error, read defensively. */
export interface EdgeErrorInfo {
  message: string;
  domainCode: string | null;
  /** The tRPC code (UNAUTHORIZED, CONFLICT, …); domain codes may be more specific. */
  trpcCode: string | null;
  httpStatus: number | null;
  requestId: string | null;
  fieldErrors: Record<string, string[]>;
  /** True when no answer came back at all (offline, edge down). */
  network: boolean;
}

export function edgeErrorInfo(error: unknown): EdgeErrorInfo {
  const info: EdgeErrorInfo = {
    message: error instanceof Error ? error.message : String(error),
    domainCode: null,
    trpcCode: null,
    httpStatus: null,
    requestId: null,
    fieldErrors: {},
    network: false,
  };
  if (!(error instanceof TRPCClientError)) return info;
  const data: unknown = error.data;
  if (!data || typeof data !== 'object') {
    info.network = true;
    return info;
  }
  const record = data as Record<string, unknown>;
  if (typeof record.code === 'string') info.trpcCode = record.code;
  info.domainCode = typeof record.domainCode === 'string' ? record.domainCode : info.trpcCode;
  if (typeof record.httpStatus === 'number') info.httpStatus = record.httpStatus;
  if (typeof record.requestId === 'string') info.requestId = record.requestId;
  if (record.fieldErrors && typeof record.fieldErrors === 'object') {
    for (const [field, messages] of Object.entries(record.fieldErrors)) {
      if (Array.isArray(messages)) {
        info.fieldErrors[field] = messages.filter((m): m is string => typeof m === 'string');
      }
    }
  }
  return info;
}
