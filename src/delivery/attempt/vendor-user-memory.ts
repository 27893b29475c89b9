import { redactionSalt } from "../../config/redaction-salt";
import { emailKeyedHash } from "../../lib/crypto";
import type { VendorUserMemory } from "../../reactions/types";
import { forgetUser, rememberedUser, rememberUser, type VendorUserKey } from "../../store/vendor-users";
import type { DeliveryContext } from "../context";

/**
 * A recipe's memory of vendor user ids on its connection (src/store/vendor-users.ts), keyed by the e-mail's
 * keyed hash: the one an erasure computes (src/retention/email-hash.ts), so erasing the person forgets them.
 */
export function vendorUserMemory(ctx: DeliveryContext, connectionId: string): VendorUserMemory {
  const key = async (scope: string, email: string): Promise<VendorUserKey> => ({
    connectionId,
    scope,
    personHash: await emailKeyedHash(redactionSalt(ctx.env), email),
  });
  return {
    get: async (scope, email) => rememberedUser(ctx.env.DB, await key(scope, email)),
    remember: async (scope, email, userId) =>
      rememberUser(ctx.env.DB, await key(scope, email), userId, ctx.now()),
    forget: async (scope, email) => forgetUser(ctx.env.DB, await key(scope, email)),
  };
}
