// messages.* commands of the core (transport only). Lists are read at the edge.
import { roleProcedure, router } from '../trpc.ts';
import { postMessageInput, retractMessageInput } from './model.ts';
import { postMessage, retractMessage } from './service.ts';

export const messageRouter = router({
  post: roleProcedure('reader')
    .input(postMessageInput)
    .mutation(({ ctx, input }) => postMessage(ctx.services, ctx.identity, input)),
  retract: roleProcedure('reader')
    .input(retractMessageInput)
    .mutation(({ ctx, input }) => retractMessage(ctx.services, ctx.identity, input, ctx.requestId)),
});
