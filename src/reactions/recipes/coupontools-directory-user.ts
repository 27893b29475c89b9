import { z } from "zod";
import type { CanonicalEvent } from "../../events/cloudevent";
import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import type { CallOutcome } from "../../membrane/outcome";
import { actionStep, runAction } from "../action-call";
import { viaOption } from "../calls";
import { type ActionCall, missingData, type Recipe, skipped, unlessAmbiguous } from "../types";

const options = z.strictObject({
  directory_id: z.string().min(1),
  /** "proxy" by default: `POST /v4/directory/{id}/users` and its fields are documented (api/v4/directory). */
  via: viaOption("proxy"),
  actions: z.strictObject({ create_user: actionStep("create-directory-user") }).prefault({}),
});
type Options = z.infer<typeof options>;

/** The create action's call (its input: the emulator's design). */
function createUserCall(opts: Options, customer: CanonicalEvent<"customer.created">["data"]): ActionCall {
  const { email, first_name, last_name } = customer;
  return {
    step: opts.actions.create_user,
    setting: "options.actions.create_user",
    input: {
      directoryId: opts.directory_id,
      email,
      ...(first_name && { firstName: first_name }),
      ...(last_name && { lastName: last_name }),
    },
    acceptBody: coupontoolsBodyCheck,
  };
}

/**
 * The answer to an e-mail already in the directory is not documented. Assumed: either an HTTP 409, or
 * Coupontools' `failed` envelope with error_code 304 "Email already exists" (the code its account API
 * documents for the same case). Both mean the state this reaction wants is reached.
 */
export function alreadyRegistered(outcome: CallOutcome): boolean {
  return outcome.kind === "permanent" && (outcome.code === "conflict" || outcome.vendorCode === "304");
}

/**
 * customer.created with marketing consent -> Coupontools directory user. Customers without consent (or
 * whose consent is unknown) are skipped. Not marked idempotent: whether Coupontools refuses a second user
 * with the same e-mail is not documented, so a call that may have gone out is not repeated blindly.
 */
export const coupontoolsDirectoryUser: Recipe<Options, "customer.created"> = {
  key: "coupontools.directory-user",
  description: "Registers a newly created customer who gave marketing consent in a Coupontools directory.",
  accepts: ["customer.created"],
  options,
  idempotent: false,
  maxCalls: 1,
  async run(event, opts, ctx) {
    const { email, first_name, last_name, marketing_consent } = event.data;
    if (marketing_consent !== true) return skipped("the customer did not give marketing consent");
    if (!email) return missingData("customer.created has no e-mail, which a directory user requires");
    const outcome =
      opts.via === "action"
        ? await runAction(ctx, createUserCall(opts, event.data))
        : await ctx.membrane.proxy({
            connectionId: ctx.connectionId,
            method: "POST",
            path: `/v4/directory/${encodeURIComponent(opts.directory_id)}/users`,
            body: { email, ...(first_name && { first_name }), ...(last_name && { last_name }) },
            acceptBody: coupontoolsBodyCheck,
          });
    if (alreadyRegistered(outcome)) return skipped("already registered in the directory");
    return unlessAmbiguous(outcome);
  },
  actionCalls: (event, opts) =>
    opts.via === "action" && event.data.email ? [createUserCall(opts, event.data)] : [],
  // The directory API documents no read a probe could make without creating a user.
  probe: (opts) =>
    opts.via === "action" ? undefined : { none: "no harmless read is documented for a directory" },
};
