// Edge configuration: parsed once at start-up, fails fast with a readable list.
import { z } from 'zod';

/** The local front door (Caddy on 8080). */
export const DEFAULT_PUBLIC_ORIGIN = 'http://localhost:8080';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Address to listen on: loopback unless told otherwise (containers set 0.0.0.0). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** The site's origin as people reach it: TileJSON's tile URLs, never the Host header. */
  PUBLIC_ORIGIN: z
    .url({ protocol: /^https?$/ })
    .default(DEFAULT_PUBLIC_ORIGIN)
    .transform((v) => new URL(v).origin),
  EDGE_DATABASE_URL: z
    .string()
    .url()
    .default('postgres://weltgewebe_edge@127.0.0.1:54329/weltgewebe'),
  EDGE_DATABASE_REPLICA_URL: z.string().url().optional(),
  NATS_URL: z.string().default('nats://127.0.0.1:4223'),
  /** One core, or several (comma separated) that calls take turns over. */
  CORE_URL: z
    .string()
    .default('http://127.0.0.1:3002')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().url()).min(1)),
  /** Longest a read waits for the replica to reach the caller's last write before it asks the primary. */
  REPLICA_WAIT_MS: z.coerce.number().int().min(0).max(5_000).default(200),
  CORE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** How long the service keeps serving after SIGTERM while it reports "draining" (rolling deploys). */
  DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  OIDC_ISSUER: z.string().url().default('http://localhost:3003'),
  OIDC_AUDIENCE: z.string().default('weltgewebe'),
  ROLE_CLAIM_PATH: z.string().default('realm_access.roles'),
  AUTH_REQUIRED_FOR_READ: bool.default(false),
  /** Origins allowed to send cookie-authenticated mutations (CSRF guard). */
  ALLOWED_ORIGINS: z
    .string()
    .default('http://localhost:8080')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  TILE_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
  /** Reads (tRPC queries, tiles) per minute per client IP and instance; 0 = no limit. */
  READS_PER_MINUTE_PER_IP: z.coerce.number().int().min(0).default(1_200),
  /** Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges): Caddy. */
  TRUSTED_PROXIES: z
    .string()
    .default('127.0.0.1,::1')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Longest a request may take before the edge answers 504 itself. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type EdgeEnv = z.infer<typeof schema>;

export function loadEdgeEnv(source: Record<string, string | undefined> = process.env): EdgeEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`edge: invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export const EDGE_VERSION = '0.1.0';
