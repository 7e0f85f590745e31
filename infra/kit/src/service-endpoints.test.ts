// Readiness as the front door sees it: not ready until the checks pass; once ready, a check
// that fails for a moment (one slow query on a busy host) does not take the instance out at
// once, one that keeps failing does; a draining instance is out at once.
import { describe, expect, test } from 'bun:test';
import { Registry } from 'prom-client';
import { serviceEndpoints } from './service-endpoints.ts';

const ready = async (endpoints: ReturnType<typeof serviceEndpoints>) =>
  (await endpoints(new Request('http://svc/health/ready')))!.status;

describe('readiness held through a short failure', () => {
  test('not ready before the first pass; held 300 ms after it; out after that', async () => {
    let healthy = false;
    let draining = false;
    const endpoints = serviceEndpoints({
      service: 'test',
      version: '1',
      registry: new Registry(),
      checks: {
        database: async () => {
          if (!healthy) throw new Error('down');
        },
      },
      draining: () => draining,
      holdReadyMs: 300,
    });
    expect(await ready(endpoints)).toBe(503);
    healthy = true;
    expect(await ready(endpoints)).toBe(200);
    healthy = false;
    expect(await ready(endpoints)).toBe(200);
    await Bun.sleep(350);
    expect(await ready(endpoints)).toBe(503);
    healthy = true;
    expect(await ready(endpoints)).toBe(200);
    draining = true;
    expect(await ready(endpoints)).toBe(503);
  });

  test('without holdReadyMs a failing check counts at once', async () => {
    let healthy = true;
    const endpoints = serviceEndpoints({
      service: 'test',
      version: '1',
      registry: new Registry(),
      checks: {
        database: async () => {
          if (!healthy) throw new Error('down');
        },
      },
    });
    expect(await ready(endpoints)).toBe(200);
    healthy = false;
    expect(await ready(endpoints)).toBe(503);
  });
});
