// search.*: autocomplete over places and nodes, answered at the edge.
import { readProcedure, router } from '../trpc.ts';
import { searchInput } from './model.ts';
import { search } from './search-service.ts';

export const searchRouter = router({
  query: readProcedure
    .input(searchInput)
    .query(({ ctx, input }) => search(ctx.services.sql, input)),
});
