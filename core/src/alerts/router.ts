// alerts.* of the core (transport only): a signed-in person's area alerts, and the public
// one-click unsubscribe whose token comes from the e-mail.
import { publicProcedure, roleProcedure, router } from '../trpc.ts';
import { subscribeInput, unsubscribeByTokenInput, unsubscribeInput } from './model.ts';
import { listSubscriptions, subscribe, unsubscribe, unsubscribeByToken } from './service.ts';

export const alertRouter = router({
  subscribe: roleProcedure('reader')
    .input(subscribeInput)
    .mutation(({ ctx, input }) => subscribe(ctx.services, ctx.identity, input)),
  list: roleProcedure('reader').query(({ ctx }) => listSubscriptions(ctx.services, ctx.identity)),
  unsubscribe: roleProcedure('reader')
    .input(unsubscribeInput)
    .mutation(({ ctx, input }) => unsubscribe(ctx.services, ctx.identity, input.id)),
  unsubscribeByToken: publicProcedure
    .input(unsubscribeByTokenInput)
    .mutation(({ ctx, input }) => unsubscribeByToken(ctx.services, input.token)),
});
