import { z } from "zod";
import { actionKey, apiBasePathOption, OMETRIA_ACTION_KEYS, runAction, viaOption } from "../calls";
import type { Recipe } from "../types";

const options = z.strictObject({
  /** Free text stored with the request in Ometria; the canonical event id is appended. */
  comment: z.string().max(200).default("Erasure requested through hookbridge"),
  /**
   * "action" by default: the field names of `POST /data-deletion-requests` are not public (the docs page
   * is cut off), and the seeds advise an action where field names are not public.
   */
  via: viaOption("action"),
  /** Proxy only: where Ometria's API sits under the connection's base URL (see calls.ts). */
  api_base_path: apiBasePathOption,
  actions: z
    .strictObject({ create_request: actionKey(OMETRIA_ACTION_KEYS, "create-gdpr-deletion-request") })
    .default({ create_request: "create-gdpr-deletion-request" }),
});

/**
 * customer.erasure_requested -> Ometria GDPR data deletion request. Ometria allows 6 such requests per
 * minute; the pacer spreads a burst instead of failing it. A repeated request for the same e-mail asks
 * for the same deletion again, which is harmless, so it counts as idempotent.
 */
export const ometriaGdprDeletion: Recipe<z.infer<typeof options>, "customer.erasure_requested"> = {
  key: "ometria.gdpr-deletion",
  description: "Creates an Ometria GDPR data deletion request for the customer's e-mail.",
  accepts: ["customer.erasure_requested"],
  options,
  idempotent: true,
  maxCalls: 1,
  pace: { key: "ometria-data-deletion", limit: 6, per_seconds: 60 },
  run(event, opts, ctx) {
    // Assumed body `{email, comment}`: `comment` is a field of Ometria's request object, `email` is what the
    // cut-off "Request Body" text begins to describe. Unconfirmed.
    const input = { email: event.data.email, comment: `${opts.comment} (event ${event.id})` };
    if (opts.via === "action") return runAction(ctx, opts.actions.create_request, input);
    return ctx.membrane.proxy({
      connectionId: ctx.connectionId,
      method: "POST",
      path: `${opts.api_base_path}/data-deletion-requests`,
      body: input,
    });
  },
};
