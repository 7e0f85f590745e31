// notifications.*: forwarded to the core (the edge role has no access to notifications).
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, router } from '../trpc.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const notificationRouter = router({
  list: forwardProcedure
    .input(passThrough<NonNullable<CoreInputs['notifications']['list']>>().optional())
    .query(({ ctx, input }) => forwardToCore(() => ctx.core.notifications.list.query(input))),
  markRead: forwardProcedure
    .input(passThrough<CoreInputs['notifications']['markRead']>())
    .mutation(({ ctx, input }) =>
      forwardToCore(() => ctx.core.notifications.markRead.mutate(input)),
    ),
});
