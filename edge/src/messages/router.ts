// messages.*: a node's conversation read here; posting and retracting forwarded to the core.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, readProcedure, router } from '../trpc.ts';
import { listMessagesInput } from './model.ts';
import { listMessages } from './read-service.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const messageRouter = router({
  list: readProcedure
    .input(listMessagesInput)
    .query(({ ctx, input }) => listMessages(ctx.services.sql, input)),
  post: forwardProcedure
    .input(passThrough<CoreInputs['messages']['post']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.messages.post.mutate(input))),
  retract: forwardProcedure
    .input(passThrough<CoreInputs['messages']['retract']>())
    .mutation(({ ctx, input }) => forwardToCore(() => ctx.core.messages.retract.mutate(input))),
});
