// notifications.* of the core for the signed-in account (transport only).
import { roleProcedure, router } from '../trpc.ts';
import { listNotificationsInput, markReadInput } from './model.ts';
import { listNotifications, markNotificationsRead } from './service.ts';

export const notificationRouter = router({
  list: roleProcedure('reader')
    .input(listNotificationsInput)
    .query(({ ctx, input }) => listNotifications(ctx.services, ctx.identity, input)),
  markRead: roleProcedure('reader')
    .input(markReadInput)
    .mutation(({ ctx, input }) => markNotificationsRead(ctx.services, ctx.identity, input)),
});
