// nodes.*: reads answered here, commands forwarded to the core.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, readProcedure, router } from '../trpc.ts';
import { inBBoxInput } from './model.ts';
import { nodesInBBox } from './read-service.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const nodeRouter = router({
  inBBox: readProcedure
    .input(inBBoxInput)
    .query(({ ctx, input }) => nodesInBBox(ctx.services.sql, input)),
  create: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['create']>())
    .mutation(async ({ ctx, input }) => {
      const node = await forwardToCore(() => ctx.core.nodes.create.mutate(input));
      ctx.services.onLocalChange('nodes', { lat: node.lat, lon: node.lon });
      return node;
    }),
});
