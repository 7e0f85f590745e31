// nodes.* commands of the core (transport only; rules live in service.ts).
import { roleProcedure, router } from '../trpc.ts';
import { createNodeInput } from './model.ts';
import { createNode } from './service.ts';

export const nodeRouter = router({
  create: roleProcedure('reader')
    .input(createNodeInput)
    .mutation(({ ctx, input }) => createNode(ctx.services, ctx.identity!, input, ctx.requestId)),
});
