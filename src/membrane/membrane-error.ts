import { z } from "zod";
import type { PermanentCode, TransientCode } from "./codes";

/**
 * Membrane's own error answers: `{type, key, message, data?, causedByError?}` (docs.getmembrane.com
 * reference/overview/errors, @membranehq/sdk ErrorType), and what each says about trying again.
 */
// Membrane's error types, as its SDK lists them (ErrorType in @membranehq/sdk errors; docs.getmembrane.com
// reference/overview/errors). `not_found`, `not_authenticated`, ... are KEYS under `bad_request`, not types.
export const MEMBRANE_ERROR_TYPES = [
  "bad_request",
  "connection",
  "configuration",
  "dependency_error",
  "flow_run",
  "flow_instance_setup",
  "concurrency",
  "internal",
  "action_run",
  "action_instance_setup",
  "unit_run",
  "custom_code",
  "insufficient_credit",
  "openrouter_not_configured",
] as const;

/**
 * Membrane's own error body `{type, key, message, data?, causedByError?}`. A body with one of these `type`s
 * was written by Membrane, not the vendor: on the proxy path anything else is the vendor's own answer.
 */
export const MembraneErrorBodySchema = z.object({
  type: z.enum(MEMBRANE_ERROR_TYPES),
  key: z.string().optional(),
  message: z.string().optional(),
  data: z.unknown().optional(),
  causedByError: z.unknown().optional(),
});
export type MembraneErrorBody = z.infer<typeof MembraneErrorBodySchema>;

/**
 * The vendor's HTTP status behind a failed action run, when Membrane reports it. Membrane's SDK records a
 * failed HTTP call as `data.response.status` (extractMembraneErrorData); whether action runs do the same is
 * not documented, so `causedByError.data` is read as well and an absent status is simply not used.
 */
const VendorStatusSchema = z.object({ response: z.object({ status: z.int() }) });
const CausedSchema = z.object({ data: z.unknown() });
export function vendorStatusOf(error: MembraneErrorBody): number | undefined {
  const caused = CausedSchema.safeParse(error.causedByError).data?.data;
  return (
    VendorStatusSchema.safeParse(error.data).data?.response.status ??
    VendorStatusSchema.safeParse(caused).data?.response.status
  );
}

/** The vendor's answer behind a failed action run (`data.response.data`, the SDK's record of a failed call). */
const VendorBodySchema = z.object({ response: z.object({ data: z.unknown() }) });
export const vendorBodyOf = (error: MembraneErrorBody) =>
  VendorBodySchema.safeParse(error.data).data?.response.data;

/**
 * Membrane's type and key outrank the status: they say whether a later try can succeed. Undefined leaves
 * the decision to the status. Types and keys: docs.getmembrane.com reference/overview/errors and the SDK.
 */
export function classifyMembraneError<T>(
  error: MembraneErrorBody,
  transient: (code: TransientCode) => T,
  permanent: (code: PermanentCode) => T,
): T | undefined {
  const { type, key } = error;
  // `bad_request/rate_limit_exceeded` (Membrane's own limit) and `connection/rate_limit_exceeded` ("External
  // API rate limit hit"): both pass with time.
  if (key === "rate_limit_exceeded") return transient("rate_limited");
  switch (type) {
    case "concurrency":
      // `lock_timeout`: another run held the lock; the same call later finds it free.
      return transient("busy");
    case "internal":
      // Membrane's own failure, not a verdict on the request.
      return transient("server_error");
    case "connection":
      // `access_token_expired`: Membrane refreshes credentials, so a later attempt may pass. A defunct
      // connection needs a person to reconnect it: retrying on a schedule cannot help.
      if (key === "access_token_expired") return transient("credentials_expired");
      if (key === "connection_is_defunct") return permanent("connection_defunct");
      return undefined;
    case "configuration":
    case "flow_instance_setup":
    case "action_instance_setup":
    case "openrouter_not_configured":
      // The workspace is set up wrongly (a missing action, field mapping or setting): a person must fix it.
      return permanent("membrane_configuration");
    case "insufficient_credit":
      // Needs the workspace's credit topped up; an operator retries the delivery afterwards.
      return permanent("insufficient_credit");
    case "bad_request":
      // The keys under bad_request say what was wrong with the request; each stays wrong on a retry.
      if (key === "not_found") return permanent("not_found");
      if (key === "not_authenticated") return permanent("not_authenticated");
      if (key === "access_denied") return permanent("access_denied");
      if (key === "already_exists") return permanent("conflict");
      return permanent("bad_request");
    case "action_run":
    case "unit_run":
    case "flow_run":
    case "custom_code":
    case "dependency_error": {
      // A run failed: transient when the vendor behind it was busy or down, else the vendor's verdict.
      const vendorStatus = vendorStatusOf(error);
      if (vendorStatus === 429) return transient("rate_limited");
      if (vendorStatus !== undefined && (vendorStatus >= 500 || vendorStatus === 408))
        return transient("server_error");
      return permanent("action_failed");
    }
  }
  return undefined;
}
