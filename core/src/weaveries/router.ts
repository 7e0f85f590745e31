// weaveries.* of the core (transport only): admin commands and the public stats query.
import { readProcedure, roleProcedure, router } from '../trpc.ts';
import { changeWeaveryInput, createWeaveryInput, weaveryRefInput } from './model.ts';
import { changeWeavery, createWeavery, weaveryStats } from './service.ts';

export const weaveryRouter = router({
  create: roleProcedure('admin')
    .input(createWeaveryInput)
    .mutation(({ ctx, input }) => createWeavery(ctx.services, ctx.identity!, input, ctx.requestId)),
  change: roleProcedure('admin')
    .input(changeWeaveryInput)
    .mutation(({ ctx, input }) => changeWeavery(ctx.services, ctx.identity!, input, ctx.requestId)),
  // A read of the public map: open like tiles unless AUTH_REQUIRED_FOR_READ (checked here
  // as well as at the edge, so the core holds its own rules).
  stats: readProcedure
    .input(weaveryRefInput)
    .query(({ ctx, input }) => weaveryStats(ctx.services, input)),
});
