// Garnrolle inputs (core/README.md privacy rules) and the DTOs: the public view everyone may
// see (its privacy rule shared with the edge in @weltgewebe/db/dto), and the owner's view
// that alone carries the private location.
import {
  type LatLon,
  type PublicAccount,
  type PublicAccountRow,
  toPublicAccount,
} from '@weltgewebe/db/dto';
import { RADIUS_DEFAULT_M, RADIUS_MAX_M, RADIUS_MIN_M } from '@weltgewebe/events/domain';
import { z } from 'zod';

const lat = z
  .number()
  .min(-85, 'Breite zwischen −85 und 85.')
  .max(85, 'Breite zwischen −85 und 85.');
const lon = z
  .number()
  .min(-180, 'Länge zwischen −180 und 180.')
  .max(180, 'Länge zwischen −180 und 180.');

export const setLocationInput = z.discriminatedUnion('mapState', [
  z.object({ mapState: z.literal('exact'), lat, lon }),
  z.object({
    mapState: z.literal('radius'),
    lat,
    lon,
    radiusM: z
      .number()
      .int('Der Radius ist eine ganze Zahl von Metern.')
      .min(RADIUS_MIN_M, `Radius zwischen ${RADIUS_MIN_M} und ${RADIUS_MAX_M} m.`)
      .max(RADIUS_MAX_M, `Radius zwischen ${RADIUS_MIN_M} und ${RADIUS_MAX_M} m.`)
      .default(RADIUS_DEFAULT_M),
  }),
  z.object({ mapState: z.literal('not_on_map') }),
]);

export type SetLocationInput = z.infer<typeof setLocationInput>;

/** What anyone may see of a Garnrolle, with the version its owner edits against. */
export interface AccountDTO extends PublicAccount {
  version: number;
}

/** The owner's own view: the public view plus the private location. */
export interface MyAccountDTO extends AccountDTO {
  privateLocation: LatLon | null;
  createdAt: string;
}

export interface AccountRow extends PublicAccountRow {
  version: number;
}

export function toAccountDTO(r: AccountRow): AccountDTO {
  return { ...toPublicAccount(r), version: r.version };
}
