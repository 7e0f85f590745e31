// reports.* of the core (transport only): anyone signed in reports; admins work the queue.
import { roleProcedure, router } from '../trpc.ts';
import { createReportInput, reportQueueInput, resolveReportInput } from './model.ts';
import { createReport, myReports, reportQueue, resolveReport } from './service.ts';

export const reportRouter = router({
  create: roleProcedure('reader')
    .input(createReportInput)
    .mutation(({ ctx, input }) => createReport(ctx.services, ctx.identity, input, ctx.requestId)),
  mine: roleProcedure('reader').query(({ ctx }) => myReports(ctx.services, ctx.identity)),
  queue: roleProcedure('admin')
    .input(reportQueueInput)
    .query(({ ctx, input }) => reportQueue(ctx.services, input)),
  resolve: roleProcedure('admin')
    .input(resolveReportInput)
    .mutation(({ ctx, input }) => resolveReport(ctx.services, ctx.identity, input, ctx.requestId)),
});
