/** A vendor limit such as Ometria's "6 data deletion requests per minute". */
export interface PaceRule {
  /** Bucket name, shared by every reaction that counts against the same upstream limit. */
  key: string;
  limit: number;
  per_seconds: number;
}

/** Time between two slots of a rule: 6 per 60 s -> 10 000 ms. */
export function slotInterval(rule: Pick<PaceRule, "limit" | "per_seconds">): number {
  return Math.ceil((rule.per_seconds * 1000) / rule.limit);
}
