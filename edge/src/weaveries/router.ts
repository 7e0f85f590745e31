// weaveries.*: list and detail read here; admin commands and the stats query go to the core.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, readProcedure, router } from '../trpc.ts';
import { weaveryRefInput } from './model.ts';
import { listWeaveries, weaveryByRef } from './read-service.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const weaveryRouter = router({
  list: readProcedure.query(({ ctx }) => listWeaveries(ctx.services.sql)),
  byId: readProcedure
    .input(weaveryRefInput)
    .query(({ ctx, input }) => weaveryByRef(ctx.services.sql, input)),
  // A public read, but its rules (k ≥ 5) live in the core; forwarded with the token if any.
  stats: readProcedure.input(weaveryRefInput).query(({ ctx, input }) => {
    const core = ctx.services.core({
      token: ctx.identity?.token ?? null,
      requestId: ctx.requestId,
      traceparent: ctx.traceparent,
    });
    return forwardToCore(() => core.weaveries.stats.query(input));
  }),
  create: forwardProcedure
    .input(passThrough<CoreInputs['weaveries']['create']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.weaveries.create.mutate(input))),
  change: forwardProcedure
    .input(passThrough<CoreInputs['weaveries']['change']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.weaveries.change.mutate(input))),
});
