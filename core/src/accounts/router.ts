// accounts.* of the core (transport only; rules live in service.ts).
import { roleProcedure, router } from '../trpc.ts';
import { setLocationInput } from './model.ts';
import { hideAccount, myAccount, setLocation } from './service.ts';

export const accountRouter = router({
  me: roleProcedure('reader').query(({ ctx }) => myAccount(ctx.services, ctx.identity)),
  setLocation: roleProcedure('reader')
    .input(setLocationInput)
    .mutation(({ ctx, input }) => setLocation(ctx.services, ctx.identity, input)),
  hide: roleProcedure('reader').mutation(({ ctx }) => hideAccount(ctx.services, ctx.identity)),
});
