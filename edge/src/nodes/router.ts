// nodes.*: reads answered here, commands forwarded to the core (and what they changed handed
// to this instance's tile invalidation, so a reload right after shows it).
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
const pointOf = (n: { lat: number; lon: number }) => ({ lat: n.lat, lon: n.lon });

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
      await ctx.services.tileInvalidator.handle({
        type: 'node.created',
        data: { location: pointOf(node) },
      });
      return node;
    }),
  update: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['update']>())
    .mutation(async ({ ctx, input }) => {
      // Where it was, read before the move, so this instance drops the tiles it leaves too.
      const before = await nodeLocation(ctx.services.sql, input.id);
      const node = await forwardToCore(() => ctx.core.nodes.update.mutate(input));
      await ctx.services.tileInvalidator.handle({
        type: 'node.updated',
        data: { id: node.id, location: pointOf(node), previousLocation: before ?? pointOf(node) },
      });
      return node;
    }),
  remove: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['remove']>())
    .mutation(async ({ ctx, input }) => {
      const removed = await forwardToCore(() => ctx.core.nodes.remove.mutate(input));
      await ctx.services.tileInvalidator.handle({
        type: 'node.removed',
        data: { id: removed.id, location: pointOf(removed) },
      });
      return removed;
    }),
  hide: forwardProcedure
    .input(passThrough<CoreInputs['nodes']['hide']>())
    .mutation(async ({ ctx, input }) => {
      const node = await forwardToCore(() => ctx.core.nodes.hide.mutate(input));
      // Hiding is an update in place, as the core's event says.
      const at = pointOf(node);
      await ctx.services.tileInvalidator.handle({
        type: 'node.updated',
        data: { id: node.id, location: at, previousLocation: at },
      });
      return node;
    }),
});
