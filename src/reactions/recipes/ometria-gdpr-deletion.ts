import { z } from "zod";
import type { CanonicalEvent } from "../../events/cloudevent";
import { actionStep, runAction } from "../action-call";
import { apiBasePathOption, viaOption } from "../calls";
import type { ActionCall, Recipe } from "../types";

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
  actions: z.strictObject({ create_request: actionStep("create-gdpr-deletion-request") }).prefault({}),
});
type Options = z.infer<typeof options>;

/**
 * Assumed body `{email, comment}`: `comment` is a field of Ometria's request object, `email` is what the
 * cut-off "Request Body" text begins to describe. Unconfirmed.
 */
const requestInput = (event: CanonicalEvent<"customer.erasure_requested">, opts: Options) => ({
  email: event.data.email,
  comment: `${opts.comment} (event ${event.id})`,
});

const createRequestCall = (
  event: CanonicalEvent<"customer.erasure_requested">,
  opts: Options,
): ActionCall => ({
  step: opts.actions.create_request,
  setting: "options.actions.create_request",
  input: requestInput(event, opts),
});

/**
 * customer.erasure_requested -> Ometria GDPR data deletion request. Ometria allows 6 such requests per
 * minute; the pacer spreads a burst instead of failing it. A repeated request for the same e-mail asks
 * for the same deletion again, which is harmless, so it counts as idempotent.
 */
export const ometriaGdprDeletion: Recipe<Options, "customer.erasure_requested"> = {
  key: "ometria.gdpr-deletion",
  description: "Creates an Ometria GDPR data deletion request for the customer's e-mail.",
  accepts: ["customer.erasure_requested"],
  options,
  idempotent: true,
  maxCalls: 1,
  pace: { key: "ometria-data-deletion", limit: 6, per_seconds: 60 },
  run(event, opts, ctx) {
    if (opts.via === "action") return runAction(ctx, createRequestCall(event, opts));
    return ctx.membrane.proxy({
      connectionId: ctx.connectionId,
      method: "POST",
      path: `${opts.api_base_path}/data-deletion-requests`,
      body: requestInput(event, opts),
    });
  },
  actionCalls: (event, opts) => (opts.via === "action" ? [createRequestCall(event, opts)] : []),
  // docs.ometria.com: GET /data-deletion-requests lists the account's requests.
  probe: (opts) =>
    opts.via === "action"
      ? undefined
      : { method: "GET", path: `${opts.api_base_path}/data-deletion-requests` },
};
