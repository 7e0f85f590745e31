// GET /metrics: Prometheus text (Caddy does not expose it publicly; Prometheus scrapes :3000).
import { registry } from '$lib/server/metrics';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () =>
  new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
