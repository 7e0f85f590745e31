// threads.* of the core (transport only; rules live in service.ts).
import { roleProcedure, router } from '../trpc.ts';
import { spinThreadInput } from './model.ts';
import { spinParticipation } from './service.ts';

export const threadRouter = router({
  spin: roleProcedure('reader')
    .input(spinThreadInput)
    .mutation(({ ctx, input }) => spinParticipation(ctx.services, ctx.identity, input)),
});
