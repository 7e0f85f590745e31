// Input of a Garnrolle read at the edge; the answer is the shared public view only
// (PublicAccount in @weltgewebe/db/dto; the edge role cannot even SELECT private locations).
import { z } from 'zod';

export const accountByIdInput = z.object({ id: z.string().uuid('id muss eine UUID sein.') });
