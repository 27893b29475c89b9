import { expect, it } from "vitest";
import { alarmToSet } from "../../../src/delivery/lane/alarm";

const now = 1_000_000;

it("keeps a pending alarm that comes no later than the new wake time", () => {
  expect(alarmToSet(now + 500, now + 500, now)).toBeUndefined();
  expect(alarmToSet(now + 500, now + 9_000, now)).toBeUndefined();
});

it("sets the alarm when there is none, or the new wake time is earlier", () => {
  expect(alarmToSet(null, now + 5_000, now)).toBe(now + 5_000);
  expect(alarmToSet(now + 9_000, now + 5_000, now)).toBe(now + 5_000);
});

it("sets an alarm that is already due again, instead of waiting behind it", () => {
  // The stall seen in the bench: an alarm due 9 minutes ago, and work to do now.
  expect(alarmToSet(now - 540_000, now, now)).toBe(now + 1);
  expect(alarmToSet(now, now + 5_000, now)).toBe(now + 5_000);
});

it("never sets an alarm for the present instant or the past", () => {
  expect(alarmToSet(null, now, now)).toBe(now + 1);
  expect(alarmToSet(null, now - 10, now)).toBe(now + 1);
});
