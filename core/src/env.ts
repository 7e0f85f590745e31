// Core configuration: parsed once at start-up, fails fast with a readable list.
import { z } from 'zod';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3002),
    /** Address core, relay and workers listen on: loopback unless told (containers: 0.0.0.0). */
    HOST: z.string().min(1).default('127.0.0.1'),
    RELAY_PORT: z.coerce.number().int().min(0).max(65535).default(3004),
    WORKERS_PORT: z.coerce.number().int().min(0).max(65535).default(3005),
    /** How long the service keeps serving after SIGTERM while it reports "draining" (rolling deploys). */
    DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    CORE_DATABASE_URL: z
      .string()
      .url()
      .default('postgres://weltgewebe_core@127.0.0.1:54329/weltgewebe'),
    NATS_URL: z.string().default('nats://127.0.0.1:4223'),
    /** Copies of stream GEWEBE the relay and workers ask for: 3 on a three-node NATS cluster. */
    NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
    OIDC_ISSUER: z.string().url().default('http://localhost:3003'),
    OIDC_AUDIENCE: z.string().default('weltgewebe'),
    ROLE_CLAIM_PATH: z.string().default('realm_access.roles'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    COMMANDS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    /** Unset or empty: no e-mail (compose passes `${SMTP_URL:-}`, an empty value, when unset). */
    SMTP_URL: z.preprocess(unsetIfEmpty, z.string().url().optional()),
    /** Sender of notification e-mails (workers, when SMTP_URL is set). */
    SMTP_FROM: z.preprocess(
      unsetIfEmpty,
      z.string().min(3).default('Weltgewebe <noreply@weltgewebe.local>'),
    ),
    /** The site people open (the front door); notification e-mails link to nodes there. */
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
    AUTH_REQUIRED_FOR_READ: bool.default(false),
    /** An instant area alert waits this long after its first match, so a burst is one mail. */
    ALERT_INSTANT_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
    /**
     * Web Push (VAPID, RFC 8292): the P-256 key pair as base64url (65-byte public, 32-byte
     * private; `npx web-push generate-vapid-keys`). Both unset: alerts by e-mail only.
     */
    VAPID_PUBLIC_KEY: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{87}$/, 'base64url of a 65-byte P-256 public key')
        .optional(),
    ),
    VAPID_PRIVATE_KEY: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{43}$/, 'base64url of a 32-byte P-256 private key')
        .optional(),
    ),
    /** Who the push services may contact about this site: `mailto:…` or an https URL. */
    VAPID_SUBJECT: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(/^(mailto:.+@.+|https:\/\/.+)$/, 'mailto:address or https://…')
        .optional(),
    ),
  })
  .refine((e) => (e.VAPID_PUBLIC_KEY === undefined) === (e.VAPID_PRIVATE_KEY === undefined), {
    message: 'set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither',
    path: ['VAPID_PRIVATE_KEY'],
  });

export type CoreEnv = z.infer<typeof schema>;

export function loadCoreEnv(source: Record<string, string | undefined> = process.env): CoreEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`core: invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The VAPID keys when Web Push is configured; the subject defaults to the public site. */
export function vapidOf(env: CoreEnv) {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return null;
  const site = new URL(env.PUBLIC_BASE_URL);
  return {
    publicKey: env.VAPID_PUBLIC_KEY,
    privateKey: env.VAPID_PRIVATE_KEY,
    // Push services want mailto: or https:; a local http site gets a mailto: of its host.
    subject:
      env.VAPID_SUBJECT ??
      (site.protocol === 'https:' ? site.origin : `mailto:push@${site.hostname}`),
  };
}

export const CORE_VERSION = '0.1.0';
