// The browser's tRPC client for the edge. Same origin: Caddy routes /trpc to the edge and the
// HttpOnly cookie `wg_at` authenticates the call there, so no token is handled here.
// Subscriptions (live.changes) run over Server-Sent Events on the same path.
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import type { EdgeRouter } from '@weltgewebe/edge/router';

export const trpc = createTRPCClient<EdgeRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url: '/trpc' }),
      false: httpBatchLink({ url: '/trpc' }),
    }),
  ],
});

type Client = typeof trpc;
type Query<F> = F extends { query: (...args: never[]) => Promise<infer R> } ? R : never;
type Mutation<F> = F extends { mutate: (...args: never[]) => Promise<infer R> } ? R : never;

export type CreateNodeInput = Parameters<Client['nodes']['create']['mutate']>[0];
export type UpdateNodeInput = Parameters<Client['nodes']['update']['mutate']>[0];
export type NodeDTO = Mutation<Client['nodes']['create']>;
export type NodeDetail = Query<Client['nodes']['byId']>;
export type MyAccount = Query<Client['accounts']['me']>;
export type SetLocationInput = Parameters<Client['accounts']['setLocation']['mutate']>[0];
export type MessageItem = Query<Client['messages']['list']>['items'][number];
export type SearchResult = Query<Client['search']['query']>;
export type NotificationPage = Query<Client['notifications']['list']>;
export type WeaveryView = Query<Client['weaveries']['byId']>;
export type AlertSubscription = Query<Client['alerts']['list']>[number];
export type ReportQueueItem = Query<Client['reports']['queue']>[number];
export type WeaveryStats = Query<Client['weaveries']['stats']>;
// `subscribe` is overloaded; the last overload (an async iterator) names the item type. Items
// arrive tracked ({ id, data }: the id lets the link resume after a dropped connection).
type TrackedLiveItem =
  ReturnType<Client['live']['changes']['subscribe']> extends AsyncIterableIterator<infer I>
    ? I
    : never;
export type LiveItem = TrackedLiveItem extends { data: infer D } ? D : never;

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
  /** Extra data of some errors: `current` of a version conflict, `retryAfterSeconds` of 429. */
  details: Record<string, unknown>;
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
    details: {},
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
  if (record.details && typeof record.details === 'object') {
    info.details = record.details as Record<string, unknown>;
  }
  if (record.fieldErrors && typeof record.fieldErrors === 'object') {
    for (const [field, messages] of Object.entries(record.fieldErrors)) {
      if (Array.isArray(messages)) {
        info.fieldErrors[field] = messages.filter((m): m is string => typeof m === 'string');
      }
    }
  }
  return info;
}
