/**
 * When a lane that must look again at `at` sets its alarm, given the alarm it has (`current`, null for none):
 * undefined keeps the current one. An alarm that is already due is set again: one left past due has been seen
 * never to fire, on the edge (cloudflare-docs#18324) and here (a resumed lane waited behind it for good).
 * Never at `now` itself: workerd drops an alarm set for the present from inside alarm() (workerd#6866).
 */
export function alarmToSet(current: number | null, at: number, now: number): number | undefined {
  if (current !== null && current <= at && current > now) return undefined;
  return Math.max(at, now + 1);
}

/** The earliest of the times a round must look again at, as its answer (none known: no time). */
export function earliest(...times: Array<number | undefined>): { wakeAt?: number } {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? { wakeAt: Math.min(...known) } : {};
}
