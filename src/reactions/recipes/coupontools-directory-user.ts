import { z } from "zod";
import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import { missingData, type Recipe, skipped, unlessAmbiguous } from "../types";

const options = z.strictObject({ directory_id: z.string().min(1) });

/**
 * customer.created with marketing consent -> Coupontools directory user. Customers without consent (or
 * whose consent is unknown) are skipped. Not marked idempotent: whether Coupontools refuses a second user
 * with the same e-mail is not documented, so a call that may have gone out is not repeated blindly.
 */
export const coupontoolsDirectoryUser: Recipe<z.infer<typeof options>, "customer.created"> = {
  key: "coupontools.directory-user",
  description: "Registers a newly created customer who gave marketing consent in a Coupontools directory.",
  accepts: ["customer.created"],
  options,
  idempotent: false,
  maxCalls: 1,
  async run(event, opts, { membrane, connectionId }) {
    const { email, first_name, last_name, marketing_consent } = event.data;
    if (marketing_consent !== true) return skipped("the customer did not give marketing consent");
    if (!email) return missingData("customer.created has no e-mail, which a directory user requires");
    const outcome = await membrane.proxy({
      connectionId,
      method: "POST",
      path: `/v4/directory/${encodeURIComponent(opts.directory_id)}/users`,
      body: { email, ...(first_name && { first_name }), ...(last_name && { last_name }) },
      acceptBody: coupontoolsBodyCheck,
    });
    // The directory already has this e-mail: the state this reaction wants is reached.
    if (outcome.kind === "permanent" && outcome.code === "conflict")
      return skipped("already registered in the directory");
    return unlessAmbiguous(outcome);
  },
};
