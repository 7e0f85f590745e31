// When the nightly backup and the weekly drill are due. A slot that passed while the service
// was down is caught up at once; nothing runs twice for one slot.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The latest daily slot at `hour` UTC that is not after `now`. */
export function lastDailySlot(now: Date, hour: number): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour);
  return today <= now.getTime() ? today : today - DAY;
}

/** The latest weekly slot (weekday 0 = Sunday, `hour` UTC) that is not after `now`. */
export function lastWeeklySlot(now: Date, weekday: number, hour: number): number {
  let slot = lastDailySlot(now, hour);
  while (new Date(slot).getUTCDay() !== weekday) slot -= DAY;
  return slot;
}

/** Due when the newest backup (ms since epoch; null: none yet) began before the last slot. */
export function backupDue(now: Date, newestBackupStart: number | null, hour: number): boolean {
  return newestBackupStart === null || newestBackupStart < lastDailySlot(now, hour);
}

/** Due when the last drill (ms; null: never) began before the last weekly slot. */
export function drillDue(
  now: Date,
  lastDrillStart: number | null,
  weekday: number,
  hour: number,
): boolean {
  return lastDrillStart === null || lastDrillStart < lastWeeklySlot(now, weekday, hour);
}
