// When the nightly backup and the weekly drill run: at their slot, caught up after downtime,
// never twice for one slot.
import { describe, expect, test } from 'bun:test';
import { backupDue, drillDue, lastDailySlot, lastWeeklySlot } from './schedule.ts';

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => Date.parse(iso);

describe('backup schedule', () => {
  test('the nightly backup runs once per night, from its hour on', () => {
    expect(lastDailySlot(at('2026-03-10T01:59:00Z'), 2)).toBe(ms('2026-03-09T02:00:00Z'));
    expect(lastDailySlot(at('2026-03-10T02:00:00Z'), 2)).toBe(ms('2026-03-10T02:00:00Z'));
    const lastNight = ms('2026-03-09T02:00:05Z');
    expect(backupDue(at('2026-03-10T01:59:00Z'), lastNight, 2)).toBe(false);
    expect(backupDue(at('2026-03-10T02:00:30Z'), lastNight, 2)).toBe(true);
    expect(backupDue(at('2026-03-10T02:01:00Z'), ms('2026-03-10T02:00:31Z'), 2)).toBe(false);
  });

  test('a night missed while the service was down is caught up at once; none yet means now', () => {
    expect(backupDue(at('2026-03-10T15:00:00Z'), ms('2026-03-08T02:00:00Z'), 2)).toBe(true);
    expect(backupDue(at('2026-03-10T15:00:00Z'), null, 2)).toBe(true);
  });

  test('the drill runs weekly on its weekday and hour', () => {
    // 2026-03-08 is a Sunday.
    expect(lastWeeklySlot(at('2026-03-11T12:00:00Z'), 0, 4)).toBe(ms('2026-03-08T04:00:00Z'));
    expect(lastWeeklySlot(at('2026-03-08T03:00:00Z'), 0, 4)).toBe(ms('2026-03-01T04:00:00Z'));
    expect(drillDue(at('2026-03-08T04:10:00Z'), ms('2026-03-01T04:00:00Z'), 0, 4)).toBe(true);
    expect(drillDue(at('2026-03-08T04:10:00Z'), ms('2026-03-08T04:00:10Z'), 0, 4)).toBe(false);
    expect(drillDue(at('2026-03-14T23:00:00Z'), ms('2026-03-08T04:00:10Z'), 0, 4)).toBe(false);
    expect(drillDue(at('2026-03-14T23:00:00Z'), null, 0, 4)).toBe(true);
  });
});
