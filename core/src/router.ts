// The core's root router. Other services import `type CoreRouter` only.
import { nodeRouter } from './nodes/router.ts';
import { router } from './trpc.ts';

export const coreRouter = router({
  nodes: nodeRouter,
});

export type CoreRouter = typeof coreRouter;
