// GET /version — which build of the web is running.
import { json } from '@sveltejs/kit';
import pkg from '../../../package.json';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = () =>
  json(
    { name: pkg.name, version: pkg.version, service: 'web' },
    { headers: { 'cache-control': 'no-store' } },
  );
