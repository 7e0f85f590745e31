// live.*: changes on the open map, pushed over SSE (tRPC subscription).
import { readProcedure, router } from '../trpc.ts';
import { type LiveItem, liveInput } from './model.ts';

export const liveRouter = router({
  changes: readProcedure.input(liveInput).subscription(async function* ({ ctx, input, signal }) {
    const subscription = ctx.services.live.subscribe(input);
    try {
      const ready: LiveItem = { type: 'subscribed', at: new Date().toISOString() };
      yield ready;
      for await (const change of subscription.changes(signal)) yield change as LiveItem;
    } finally {
      subscription.close();
    }
  }),
});
