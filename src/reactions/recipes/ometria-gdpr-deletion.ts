import { z } from "zod";
import type { Recipe } from "../types";

const options = z.strictObject({
  /** Free text stored with the request in Ometria; the canonical event id is appended. */
  comment: z.string().max(200).default("Erasure requested through hookbridge"),
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
  run(event, opts, { membrane, connectionId }) {
    return membrane.proxy({
      connectionId,
      method: "POST",
      path: "/data-deletion-requests",
      body: { email: event.data.email, comment: `${opts.comment} (event ${event.id})` },
    });
  },
};
