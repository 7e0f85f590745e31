// GET /health/live — the process is up and answering.
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = () =>
  json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
