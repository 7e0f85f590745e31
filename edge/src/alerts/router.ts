// Area alerts at the edge: alerts.* forwarded to the core (the edge role cannot read
// subscriptions), and the RFC 8058 one-click unsubscribe `POST /alerts/unsubscribe?token=…`
// that mail clients (and the web's confirm page) send without any sign-in: the token is the
// capability, the core decides. A person's GET of the same address is the web's confirm page.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import type { Logger } from '@weltgewebe/kit';
import { Elysia } from 'elysia';
import { z } from 'zod';
import type { CoreClientFactory } from '../core-client.ts';
import { forwardToCore } from '../core-client.ts';
import { jsonError } from '../json-error.ts';
import { forwardProcedure, router } from '../trpc.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const alertRouter = router({
  subscribe: forwardProcedure
    .input(passThrough<CoreInputs['alerts']['subscribe']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.alerts.subscribe.mutate(input))),
  list: forwardProcedure.query(({ ctx }) => forwardToCore(() => ctx.core.alerts.list.query())),
  unsubscribe: forwardProcedure
    .input(passThrough<CoreInputs['alerts']['unsubscribe']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.alerts.unsubscribe.mutate(input))),
  pushKey: forwardProcedure.query(({ ctx }) =>
    forwardToCore(() => ctx.core.alerts.pushKey.query()),
  ),
  pushStatus: forwardProcedure.query(({ ctx }) =>
    forwardToCore(() => ctx.core.alerts.pushStatus.query()),
  ),
  pushSubscribe: forwardProcedure
    .input(passThrough<CoreInputs['alerts']['pushSubscribe']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.alerts.pushSubscribe.mutate(input))),
  pushUnsubscribe: forwardProcedure
    .input(passThrough<CoreInputs['alerts']['pushUnsubscribe']>())
    .mutation(({ ctx, input }) =>
      forwardToCore(() => ctx.core.alerts.pushUnsubscribe.mutate(input)),
    ),
});

export interface UnsubscribeRouteDeps {
  core: CoreClientFactory;
  log: Logger;
}

const TOKEN = /^[A-Za-z0-9_-]{40,100}$/;

export function unsubscribeRoutes(deps: UnsubscribeRouteDeps) {
  return new Elysia().post(
    '/alerts/unsubscribe',
    async ({ request }) => {
      const url = new URL(request.url);
      const requestId = request.headers.get('x-request-id') ?? crypto.randomUUID();
      const token = url.searchParams.get('token') ?? '';
      if (!TOKEN.test(token)) {
        return jsonError(400, 'INVALID_TOKEN', 'Dieser Abbestell-Link ist ungültig.', requestId);
      }
      const body = await request.text();
      const core = deps.core({ token: null, requestId, traceparent: null });
      let outcome: { unsubscribed: boolean };
      try {
        outcome = await forwardToCore(() => core.alerts.unsubscribeByToken.mutate({ token }));
      } catch (error) {
        deps.log.warn('one-click unsubscribe failed', {
          request_id: requestId,
          error: String(error),
        });
        return jsonError(
          503,
          'SERVICE_UNAVAILABLE',
          'Bitte versuche es gleich noch einmal.',
          requestId,
        );
      }
      // A mail client's one-click POST wants a plain success; the confirm page's form a page.
      if (/(^|&)List-Unsubscribe=One-Click(&|$)/.test(body)) {
        return new Response(outcome.unsubscribed ? 'unsubscribed\n' : 'not subscribed\n', {
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        });
      }
      const result = outcome.unsubscribed ? 'done' : 'unknown';
      return new Response(null, {
        status: 303,
        headers: { location: `/alerts/unsubscribe?result=${result}`, 'cache-control': 'no-store' },
      });
    },
    // The body is read as text above (one-click form or an empty confirm form).
    { parse: 'none' },
  );
}
