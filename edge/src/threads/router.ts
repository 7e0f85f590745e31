// threads.*: a node's living threads read here; spinning forwarded to the core.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, readProcedure, router } from '../trpc.ts';
import { threadsForNodeInput } from './model.ts';
import { threadsForNode } from './read-service.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const threadRouter = router({
  forNode: readProcedure
    .input(threadsForNodeInput)
    .query(({ ctx, input }) => threadsForNode(ctx.services.sql, input)),
  spin: forwardProcedure
    .input(passThrough<CoreInputs['threads']['spin']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.threads.spin.mutate(input))),
});
