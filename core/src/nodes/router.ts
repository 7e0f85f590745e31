// nodes.* commands of the core (transport only; rules live in service.ts).
import { roleProcedure, router } from '../trpc.ts';
import { createNodeInput, hideNodeInput, removeNodeInput, updateNodeInput } from './model.ts';
import { createNode, hideNode, removeNode, updateNode } from './service.ts';

export const nodeRouter = router({
  create: roleProcedure('reader')
    .input(createNodeInput)
    .mutation(({ ctx, input }) => createNode(ctx.services, ctx.identity!, input, ctx.requestId)),
  update: roleProcedure('reader')
    .input(updateNodeInput)
    .mutation(({ ctx, input }) => updateNode(ctx.services, ctx.identity!, input, ctx.requestId)),
  remove: roleProcedure('reader')
    .input(removeNodeInput)
    .mutation(({ ctx, input }) => removeNode(ctx.services, ctx.identity!, input, ctx.requestId)),
  hide: roleProcedure('admin')
    .input(hideNodeInput)
    .mutation(({ ctx, input }) => hideNode(ctx.services, ctx.identity!, input, ctx.requestId)),
});
