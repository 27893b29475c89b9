import { ConfigError } from "../errors";
import type { DeliverySettings } from "./delivery";
import type { Reaction } from "./reaction";

/**
 * Each reaction's pace: its recipe's documented default, or its connection's own limit for that bucket
 * (DELIVERY.connection_pace). A bucket no reaction of the connection counts against is refused: a misspelt
 * name would otherwise leave the vendor's default in force without a word.
 */
export function withPaces(reactions: Reaction[], delivery: DeliverySettings): Reaction[] {
  const problems: string[] = [];
  for (const [connection, buckets] of Object.entries(delivery.connection_pace)) {
    const known = new Set(
      reactions
        .filter((r) => r.connection === connection)
        .flatMap((r) => (r.recipe.pace ? [r.recipe.pace.key] : [])),
    );
    for (const bucket of Object.keys(buckets))
      if (!known.has(bucket))
        problems.push(
          `DELIVERY.connection_pace.${connection}.${bucket}: no reaction on ${connection} is paced by "${bucket}"` +
            (known.size > 0
              ? ` (its buckets: ${[...known].join(", ")})`
              : " (none of its reactions is paced)"),
        );
  }
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  return reactions.map((reaction) => {
    const pace = reaction.recipe.pace;
    if (!pace) return reaction;
    const own = delivery.connection_pace[reaction.connection]?.[pace.key];
    return { ...reaction, pace: own ? { key: pace.key, ...own } : pace };
  });
}
