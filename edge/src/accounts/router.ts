// accounts.*: the public view read here; the own account and location commands forwarded
// to the core (only the core may read a private location).
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, readProcedure, router } from '../trpc.ts';
import { accountByIdInput } from './model.ts';
import { accountById } from './read-service.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const accountRouter = router({
  byId: readProcedure
    .input(accountByIdInput)
    .query(({ ctx, input }) => accountById(ctx.services.sql, input.id)),
  me: forwardProcedure.query(({ ctx }) => forwardToCore(() => ctx.core.accounts.me.query())),
  setLocation: forwardProcedure
    .input(passThrough<CoreInputs['accounts']['setLocation']>())
    .mutation(async ({ ctx, input }) => {
      const account = await forwardToCore(() => ctx.core.accounts.setLocation.mutate(input));
      if (account.publicPoint) {
        // Where it was is the event's to say, a moment later; the new place is what the
        // person looks at now.
        await ctx.services.tileInvalidator.handle({
          type: 'account.located',
          data: {
            accountId: account.id,
            publicPoint: account.publicPoint,
            previousPublicPoint: null,
          },
        });
      }
      return account;
    }),
  hide: forwardProcedure.mutation(({ ctx }) =>
    forwardToCore(() => ctx.core.accounts.hide.mutate()),
  ),
});
