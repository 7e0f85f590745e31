// reports.*: forwarded to the core (the edge role cannot read reports). A report hidden by
// moderation is handed to this instance's tile invalidation at once, as nodes.hide is.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, router } from '../trpc.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const reportRouter = router({
  create: forwardProcedure
    .input(passThrough<CoreInputs['reports']['create']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.reports.create.mutate(input))),
  mine: forwardProcedure.query(({ ctx }) => forwardToCore(() => ctx.core.reports.mine.query())),
  queue: forwardProcedure
    .input(passThrough<NonNullable<CoreInputs['reports']['queue']>>().optional())
    .query(({ ctx, input }) => forwardToCore(() => ctx.core.reports.queue.query(input))),
  resolve: forwardProcedure
    .input(passThrough<CoreInputs['reports']['resolve']>())
    .mutation(async ({ ctx, input }) => {
      const done = await forwardToCore(() => ctx.core.reports.resolve.mutate(input));
      if (done.hiddenNode) {
        const at = { lat: done.hiddenNode.lat, lon: done.hiddenNode.lon };
        await ctx.services.tileInvalidator.handle({
          type: 'node.updated',
          data: { id: done.hiddenNode.id, location: at, previousLocation: at },
        });
      }
      return done;
    }),
});
