/**
 * The stable codes of failed Membrane calls: `transient` ones may pass if tried later, `permanent` ones will
 * not pass unchanged. Delivery records and alerts group by them (outcome.ts classifies answers into them).
 */
export type TransientCode =
  | "rate_limited"
  | "server_error"
  | "busy"
  | "credentials_expired"
  | "timeout"
  | "network_error"
  /** An action's definition could not be read before its run: nothing was sent (src/delivery/actions/). */
  | "definition_unavailable";
export type PermanentCode =
  | "bad_request"
  | "not_authenticated"
  | "access_denied"
  | "not_found"
  | "conflict"
  | "client_error"
  | "connection_defunct"
  | "membrane_configuration"
  | "insufficient_credit"
  | "action_failed"
  | "vendor_rejected"
  | "unexpected_status"
  /** Refused by the client before sending: the proxy URL would leave `/connections/{id}/proxy/` or hold a dot segment. */
  | "unsafe_proxy_path"
  /** Refused by the client before sending: a segment of a read of Membrane's API is a dot segment. */
  | "unsafe_api_path"
  /** Refused before sending: the input does not fit the action's input schema read from the workspace. */
  | "action_input_invalid"
  /** Refused before sending: the action's definition could not be read and unchecked inputs are refused. */
  | "action_unresolved";
