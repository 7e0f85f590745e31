// The edge's root router. The web imports `type EdgeRouter` only.
import { nodeRouter } from './nodes/router.ts';
import { router } from './trpc.ts';

export const edgeRouter = router({
  nodes: nodeRouter,
});

export type EdgeRouter = typeof edgeRouter;
