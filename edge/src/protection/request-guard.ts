// What every request passes before the routes: the per-IP read limit, the body size limit
// and a deadline. Refusals are JSON: tRPC-shaped on /trpc (so the web's tRPC client sees a
// normal error with its code), the edge's one JSON error (json-error.ts) elsewhere.
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { jsonError } from '../json-error.ts';
import { clientIp, parseTrustedProxies } from './client-ip.ts';
import { ReadLimiter } from './read-limiter.ts';

export interface ProtectionOptions {
  /** Reads (GET /trpc procedures, tiles) per minute and client IP; 0 turns the limit off. */
  readsPerMinute: number;
  /** Proxies whose X-Forwarded-For is believed: addresses or CIDR ranges. */
  trustedProxies: string[];
  maxBodyBytes: number;
  /** Longest a request may take to start answering (a stream may then run on). */
  requestTimeoutMs: number;
}

export const DEFAULT_PROTECTION: ProtectionOptions = {
  readsPerMinute: 1_200,
  trustedProxies: ['127.0.0.1', '::1'],
  maxBodyBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
};

type RefusalCode = 'TOO_MANY_REQUESTS' | 'PAYLOAD_TOO_LARGE' | 'GATEWAY_TIMEOUT';

const STATUS: Record<RefusalCode, number> = {
  TOO_MANY_REQUESTS: 429,
  PAYLOAD_TOO_LARGE: 413,
  GATEWAY_TIMEOUT: 504,
};

/** How many reads a request is: each procedure of a GET tRPC batch, each tile. */
export function readCost(request: Request, pathname: string): number {
  if (request.method !== 'GET' && request.method !== 'HEAD') return 0;
  if (pathname.startsWith('/trpc/')) return pathname.slice(6).split(',').length;
  // An export reads up to 10,000 rows: it costs like a screenful of tiles.
  if (pathname.startsWith('/export/')) return EXPORT_READ_COST;
  return pathname.startsWith('/tiles/') ? 1 : 0;
}

export const EXPORT_READ_COST = 20;

export function refusal(
  request: Request,
  pathname: string,
  code: RefusalCode,
  domainCode: string,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  const status = STATUS[code];
  if (!pathname.startsWith('/trpc/')) {
    return jsonError(status, code, message, requestId, { details, headers });
  }
  const init = { status, headers: { 'cache-control': 'no-store', ...headers } };
  const path = pathname.slice(6);
  const one = {
    error: {
      message,
      code: TRPC_ERROR_CODES_BY_KEY[code],
      data: { code, httpStatus: status, domainCode, requestId, ...(details ? { details } : {}) },
    },
  };
  const batched = new URL(request.url).searchParams.get('batch') === '1';
  return Response.json(batched ? path.split(',').map(() => one) : one, init);
}

/** Reads a body without a length up to `max` bytes; null when it is longer. */
async function bufferedBody(request: Request, max: number): Promise<Uint8Array | null> {
  const reader = request.body!.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Drain (bounded) rather than reset the connection under the sending client.
      while (size <= max * 4) {
        const more = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (more.done || !more.value) return null;
        size += more.value.byteLength;
      }
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/**
 * Reads and drops a refused body (up to `max` bytes), so the client sees our answer
 * instead of a connection reset while it is still sending.
 */
async function discardBody(request: Request, max: number): Promise<void> {
  if (!request.body) return;
  const reader = request.body.getReader();
  let size = 0;
  while (size <= max) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done || !value) return;
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
}

export function createRequestGuard(options: Partial<ProtectionOptions> = {}) {
  const opts = { ...DEFAULT_PROTECTION, ...options };
  const trusted = parseTrustedProxies(opts.trustedProxies);
  const limiter = new ReadLimiter({ perMinute: opts.readsPerMinute });

  /** The request to go on with, or the answer that refuses it. */
  const admit = async (
    request: Request,
    pathname: string,
    ip: string | null,
    requestId: string,
  ): Promise<{ request: Request } | { response: Response }> => {
    const cost = ip ? readCost(request, pathname) : 0;
    const wait = cost ? limiter.take(ip!, cost) : 0;
    if (wait > 0) {
      return {
        response: refusal(
          request,
          pathname,
          'TOO_MANY_REQUESTS',
          'READ_RATE_LIMITED',
          `Zu viele Anfragen. Bitte in ${wait} s noch einmal versuchen.`,
          requestId,
          { retryAfterSeconds: wait },
          { 'retry-after': String(wait) },
        ),
      };
    }
    const tooLarge = async () => {
      await discardBody(request, opts.maxBodyBytes * 4);
      return refused();
    };
    const refused = () => ({
      response: refusal(
        request,
        pathname,
        'PAYLOAD_TOO_LARGE',
        'BODY_TOO_LARGE',
        `Die Anfrage ist zu groß (höchstens ${opts.maxBodyBytes} Bytes).`,
        requestId,
        { maxBytes: opts.maxBodyBytes },
      ),
    });
    const length = request.headers.get('content-length');
    if (length !== null) return Number(length) > opts.maxBodyBytes ? await tooLarge() : { request };
    if (!request.body) return { request };
    // No length (chunked): read it here, within the limit, and hand on a copy.
    const body = await bufferedBody(request, opts.maxBodyBytes);
    if (!body) return refused();
    return { request: new Request(request, { body: body as BodyInit }) };
  };

  /** Answers 504 when the routes have not started answering in time. */
  const deadline = async (
    answer: Promise<Response>,
    request: Request,
    pathname: string,
    requestId: string,
  ): Promise<Response> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Response>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            refusal(
              request,
              pathname,
              'GATEWAY_TIMEOUT',
              'REQUEST_TIMEOUT',
              `Die Anfrage hat zu lange gedauert (Anfrage ${requestId}).`,
              requestId,
            ),
          ),
        opts.requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    options: opts,
    clientIp: (peer: string | null | undefined, request: Request) =>
      clientIp(peer, request.headers.get('x-forwarded-for'), trusted),
    admit,
    deadline,
  };
}

export type RequestGuard = ReturnType<typeof createRequestGuard>;
