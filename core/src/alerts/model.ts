// Area alert inputs (limits from @weltgewebe/events/domain) and the DTO of a subscription. The
// unsubscribe token never leaves the core except inside the subscriber's own e-mails.
import {
  ALERT_AREA_MAX_DEGREES,
  ALERT_CADENCES,
  ALERT_CHANNELS,
  NODE_KINDS,
  TOPICS,
} from '@weltgewebe/events/domain';
import { z } from 'zod';

const lon = z
  .number()
  .min(-180, 'Länge zwischen −180 und 180.')
  .max(180, 'Länge zwischen −180 und 180.');
const lat = z
  .number()
  .min(-85, 'Breite zwischen −85 und 85.')
  .max(85, 'Breite zwischen −85 und 85.');

export const alertArea = z
  .object({ west: lon, south: lat, east: lon, north: lat })
  .refine((a) => a.west < a.east && a.south < a.north, 'Westen < Osten und Süden < Norden.')
  .refine(
    (a) => a.east - a.west <= ALERT_AREA_MAX_DEGREES && a.north - a.south <= ALERT_AREA_MAX_DEGREES,
    `Das Gebiet ist zu groß (höchstens ${ALERT_AREA_MAX_DEGREES}° je Richtung) – zoome hinein.`,
  );

const unique = <T>(list: T[]) => new Set(list).size === list.length;

/** An area (a box on the map) or a weavery (by slug), never both. */
export const subscribeInput = z
  .object({
    area: alertArea.optional(),
    weavery: z.string().trim().min(1).max(100).optional(),
    kinds: z.array(z.enum(NODE_KINDS)).refine(unique, 'Jede Art nur einmal.').default([]),
    topics: z.array(z.enum(TOPICS)).refine(unique, 'Jedes Thema nur einmal.').default([]),
    cadence: z
      .enum(ALERT_CADENCES, { error: 'Häufigkeit: instant oder daily.' })
      .default('instant'),
    channel: z.enum(ALERT_CHANNELS, { error: 'Weg: mail, push oder both.' }).default('mail'),
    label: z.string().trim().min(1).max(200).optional(),
  })
  .refine((s) => (s.area === undefined) !== (s.weavery === undefined), {
    message: 'Genau eines von area oder weavery.',
    path: ['area'],
  });

export const unsubscribeInput = z.object({ id: z.string().uuid('id muss eine UUID sein.') });
export const unsubscribeByTokenInput = z.object({
  token: z.string().min(40, 'Ungültiger Link.').max(100, 'Ungültiger Link.'),
});

export type SubscribeInput = z.infer<typeof subscribeInput>;

export interface AlertSubscriptionDTO {
  id: string;
  label: string;
  area: { west: number; south: number; east: number; north: number } | null;
  weavery: string | null;
  kinds: string[];
  topics: string[];
  cadence: (typeof ALERT_CADENCES)[number];
  channel: (typeof ALERT_CHANNELS)[number];
  createdAt: string;
}

const base64url = (min: number, max: number, what: string) =>
  z
    .string()
    .min(min, what)
    .max(max, what)
    .regex(/^[A-Za-z0-9_-]+=*$/, what);

/** A browser's PushSubscription as `toJSON()` gives it (RFC 8030 endpoint, RFC 8291 keys). */
export const pushSubscribeInput = z.object({
  endpoint: z.string().min(10).max(2000).url('Die Push-Adresse ist keine URL.'),
  keys: z.object({
    p256dh: base64url(80, 100, 'p256dh: der öffentliche P-256-Schlüssel des Browsers (base64url).'),
    auth: base64url(16, 32, 'auth: das Geheimnis des Browsers (base64url, 16 Bytes).'),
  }),
});
export const pushUnsubscribeInput = z.object({ endpoint: z.string().min(10).max(2000) });

export type PushSubscribeInput = z.infer<typeof pushSubscribeInput>;
