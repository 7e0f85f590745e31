// sessions.*: sign-out, forwarded to the core, which records it and tells every instance.
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, router } from '../trpc.ts';

export const sessionRouter = router({
  /** Ends the caller's session everywhere; this instance refuses its tokens at once. */
  revoke: forwardProcedure.mutation(async ({ ctx }) => {
    const revocation = await forwardToCore(() => ctx.core.sessions.revoke.mutate());
    ctx.services.revocations?.apply(revocation);
    return { revoked: true as const };
  }),
});
