import { z } from "zod";
import type { BodyCheck } from "./outcome";

const CoupontoolsStatus = z.object({
  status: z.object({ status: z.string(), message: z.string().optional() }),
});

/**
 * Coupontools reports many errors with HTTP 200 and `{"status":{"status":"ERROR","message":...}}`.
 * Bodies without that envelope are accepted: only an explicit non-OK status is a refusal.
 */
export const coupontoolsBodyCheck: BodyCheck = (body) => {
  const parsed = CoupontoolsStatus.safeParse(body);
  if (!parsed.success || parsed.data.status.status === "OK") return null;
  return parsed.data.status.message ?? `status ${parsed.data.status.status}`;
};
