import { VerificationError } from "../../errors";

// Unix seconds, stricter than parseInt (which accepts "1700000000abc"). Milliseconds (13 digits) fail here
// with a message that says seconds are expected, which is the actual fix for the sender.
const UNIX_SECONDS = /^[0-9]{1,12}$/;

/**
 * Checks a signed timestamp header against the clock, in both directions: a stale timestamp means a
 * replayed (or long-delayed) delivery, one far ahead means a wrong clock or a forged header. Returns the
 * header text unchanged, because that exact text is what the sender signed.
 */
export function checkTimestamp(
  header: string,
  value: string | null,
  now: Date,
  toleranceSeconds: number,
): string {
  if (!value) throw new VerificationError("timestamp_missing", `Missing ${header} header.`);
  if (!UNIX_SECONDS.test(value)) {
    throw new VerificationError("timestamp_invalid", `${header} must be a Unix time in whole seconds.`);
  }
  const skew = Number(value) - Math.floor(now.getTime() / 1000);
  if (skew < -toleranceSeconds) {
    throw new VerificationError(
      "timestamp_expired",
      `${header} is more than ${toleranceSeconds} s in the past.`,
    );
  }
  if (skew > toleranceSeconds) {
    throw new VerificationError(
      "timestamp_in_future",
      `${header} is more than ${toleranceSeconds} s ahead of the receiver's clock.`,
    );
  }
  return value;
}
