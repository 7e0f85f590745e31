// Thread inputs and the ThreadDTO; strength is computed at read time from the remaining life.
import { THREAD_LIFETIME_HOURS, type ThreadKind } from '@weltgewebe/events/domain';
import { z } from 'zod';

/** Only an explicit "I'm in" is spun by hand; knotting and conversation threads follow acts. */
export const spinThreadInput = z.object({
  nodeId: z.string().uuid('nodeId muss eine UUID sein.'),
  kind: z.literal('participation').default('participation'),
});

export type SpinThreadInput = z.infer<typeof spinThreadInput>;

export interface ThreadDTO {
  id: string;
  nodeId: string;
  accountId: string;
  kind: ThreadKind;
  spunAt: string;
  expiresAt: string;
  /** Remaining lifetime / 168 h, 0..1, at the moment of reading. */
  strength: number;
  /** True when a living thread of this kind was renewed instead of a new one spun. */
  renewed: boolean;
}

const LIFETIME_MS = THREAD_LIFETIME_HOURS * 3_600_000;

export function strengthAt(expiresAt: Date, now: Date): number {
  return Math.min(1, Math.max(0, (expiresAt.getTime() - now.getTime()) / LIFETIME_MS));
}
