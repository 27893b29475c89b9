export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until a quarter of the lane's concurrency is free again (or nothing runs), or until the next pace
 * slot: a round queries the lane's whole backlog, so one round per finished call would cost more than the
 * calls themselves once the backlog is long.
 */
export async function waitForRoom(
  inFlight: ReadonlySet<Promise<void>>,
  concurrency: number,
  slotAt: number | undefined,
  /** How many must be free (a quarter of the concurrency unless told). */
  wanted?: number,
): Promise<void> {
  const room = wanted ?? Math.max(1, Math.floor(concurrency / 4));
  for (;;) {
    const slotWait = slotAt !== undefined && slotAt > Date.now() ? sleep(slotAt - Date.now()) : undefined;
    await Promise.race(slotWait ? [...inFlight, slotWait] : [...inFlight]);
    const slotDue = slotAt !== undefined && slotAt <= Date.now();
    if (inFlight.size === 0 || concurrency - inFlight.size >= room || slotDue) return;
  }
}
