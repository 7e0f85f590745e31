// nodes.*: reads answered here, commands forwarded to the core.
import type { inferRouterInputs } from '@trpc/server';
import type { CoreRouter } from '@weltgewebe/core/router';
import { z } from 'zod';
import { forwardToCore } from '../core-client.ts';
import { forwardProcedure, readProcedure, router } from '../trpc.ts';
import { inBBoxInput, nodeByIdInput } from './model.ts';
import { nodeById, nodeLocation, nodesInBBox } from './read-service.ts';

type CoreInputs = inferRouterInputs<CoreRouter>;

/** The edge checks only the shape it must forward; the core validates every rule. */
const passThrough = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

export const nodeRouter = router({
  inBBox: readProcedure
    .input(inBBoxInput)
    .query(({ ctx, input }) => nodesInBBox(ctx.services.sql, input)),
  byId: readProcedure
    .input(nodeByIdInput)
    .query(({ ctx, input }) => nodeById(ctx.services.sql, input.id)),
  create: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['create']>())
    .mutation(async ({ ctx, input }) => {
      const node = await forwardToCore(() => ctx.core.nodes.create.mutate(input));
      ctx.services.onLocalChange('nodes', { lat: node.lat, lon: node.lon });
      return node;
    }),
  update: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['update']>())
    .mutation(async ({ ctx, input }) => {
      // Where it was, read before the move, so this instance drops the tiles it leaves too.
      const before = await nodeLocation(ctx.services.sql, input.id);
      const node = await forwardToCore(() => ctx.core.nodes.update.mutate(input));
      if (before) ctx.services.onLocalChange('nodes', before);
      ctx.services.onLocalChange('nodes', { lat: node.lat, lon: node.lon });
      return node;
    }),
  remove: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['remove']>())
    .mutation(async ({ ctx, input }) => {
      const removed = await forwardToCore(() => ctx.core.nodes.remove.mutate(input));
      ctx.services.onLocalChange('nodes', { lat: removed.lat, lon: removed.lon });
      return removed;
    }),
  hide: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['hide']>())
    .mutation(async ({ ctx, input }) => {
      const node = await forwardToCore(() => ctx.core.nodes.hide.mutate(input));
      ctx.services.onLocalChange('nodes', { lat: node.lat, lon: node.lon });
      return node;
    }),
});
