// The per-account command limit: the 61st command in a minute is TOO_MANY_REQUESTS with
// Retry-After seconds; reads and other accounts are not affected; the count is exact
// across several core instances (separate pools on one database).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { createPool } from '@weltgewebe/db/client';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { countCommand } from './command-limit.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
});
afterAll(async () => {
  await h.stop();
});

describe('command limit', () => {
  test('60 commands pass, the 61st is TOO_MANY_REQUESTS with retryAfterSeconds; reads still work', async () => {
    const reader = await h.clientAs('reader');
    for (let i = 0; i < 60; i++) await reader.accounts.hide.mutate();
    const error = (await reader.accounts.hide
      .mutate()
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      httpStatus: 429,
      domainCode: 'COMMAND_RATE_LIMITED',
    });
    const seconds = (error.data as unknown as { details: { retryAfterSeconds: number } }).details
      .retryAfterSeconds;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    // Queries are not commands; another account has its own budget.
    expect((await reader.accounts.me.query()).displayName).toBe('Rike Reader');
    const weaver = await h.clientAs('weaver');
    expect((await weaver.accounts.hide.mutate()).mapState).toBe('not_on_map');
  });

  test('the window starts over after a minute', async () => {
    const t0 = new Date('2030-01-01T12:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    for (let i = 0; i < 3; i++)
      expect((await countCommand(h.sql, 'window-test', at(i), 3)).allowed).toBeTrue();
    const over = await countCommand(h.sql, 'window-test', at(20), 3);
    expect(over).toEqual({ allowed: false, commands: 4, retryAfterSeconds: 40 });
    expect((await countCommand(h.sql, 'window-test', at(59.5), 3)).allowed).toBeFalse();
    expect(await countCommand(h.sql, 'window-test', at(60), 3)).toEqual({
      allowed: true,
      commands: 1,
      retryAfterSeconds: 60,
    });
  });

  test('two core instances share one exact count', async () => {
    const other = createPool(h.db.coreUrl, { applicationName: 'core-test-2', max: 5 });
    try {
      const now = new Date();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          countCommand(i % 2 ? h.sql : other, 'two-instances', now, 60),
        ),
      );
      expect(results.filter((r) => r.allowed).length).toBe(60);
      expect(results.map((r) => r.commands).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    } finally {
      await other.end({ timeout: 2 });
    }
  });
});
