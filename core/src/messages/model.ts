// Message inputs (core/README.md: 1–4,000 chars, a client-chosen idempotency key). The DTO and
// its row mapping are shared with the edge (@weltgewebe/db/dto).
import { MESSAGE_MAX_CHARS } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const postMessageInput = z.object({
  nodeId: z.string().uuid('nodeId muss eine UUID sein.'),
  body: z
    .string()
    .trim()
    .min(1, 'Der Beitrag ist leer.')
    .max(MESSAGE_MAX_CHARS, `Höchstens ${MESSAGE_MAX_CHARS.toLocaleString('de-DE')} Zeichen.`),
  idempotencyKey: z.string().uuid('idempotencyKey muss eine UUID sein.'),
});

export const retractMessageInput = z.object({
  messageId: z.string().uuid('messageId muss eine UUID sein.'),
});

export type PostMessageInput = z.infer<typeof postMessageInput>;
export type RetractMessageInput = z.infer<typeof retractMessageInput>;
