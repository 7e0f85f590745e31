// sessions.* of the core (transport only; the rule lives in service.ts).
import { router, signedInProcedure } from '../trpc.ts';
import { revokeOwnSession } from './service.ts';

export const sessionRouter = router({
  /** Ends the caller's session (the token it is called with, and every other of its session). */
  revoke: signedInProcedure.mutation(({ ctx }) => revokeOwnSession(ctx.services, ctx.identity)),
});
