// alerts.* of the core (transport only): a signed-in person's area alerts, and the public
// one-click unsubscribe whose token comes from the e-mail (or a push notification), and the
// browsers registered for Web Push.
import { publicProcedure, roleProcedure, router } from '../trpc.ts';
import {
  pushSubscribeInput,
  pushUnsubscribeInput,
  subscribeInput,
  unsubscribeByTokenInput,
  unsubscribeInput,
} from './model.ts';
import {
  pushBrowserCount,
  pushKey,
  registerPushBrowser,
  unregisterPushBrowser,
} from './push-browsers.ts';
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
  pushKey: publicProcedure.query(({ ctx }) => pushKey(ctx.services)),
  pushStatus: roleProcedure('reader').query(({ ctx }) =>
    pushBrowserCount(ctx.services, ctx.identity),
  ),
  pushSubscribe: roleProcedure('reader')
    .input(pushSubscribeInput)
    .mutation(({ ctx, input }) => registerPushBrowser(ctx.services, ctx.identity, input)),
  pushUnsubscribe: roleProcedure('reader')
    .input(pushUnsubscribeInput)
    .mutation(({ ctx, input }) =>
      unregisterPushBrowser(ctx.services, ctx.identity, input.endpoint),
    ),
});
