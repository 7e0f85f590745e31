// Read model of a Garnrolle at the edge: the public view only (the edge role cannot even
// SELECT private locations).
import { z } from 'zod';

export const accountByIdInput = z.object({ id: z.string().uuid('id muss eine UUID sein.') });

export type MapState = 'not_on_map' | 'exact' | 'radius';

export interface PublicAccount {
  id: string;
  displayName: string;
  mapState: MapState;
  publicPoint: { lat: number; lon: number } | null;
  radiusM: number | null;
}
