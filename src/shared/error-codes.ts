// The hub's error vocabulary and the HTTP status each code answers with (API.md "Errors").
// Adding a code is an extension of the contract; changing a status is not allowed.

export const errorStatus = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  authorization_required: 403,
  authorization_invalid: 403,
  not_found: 404,
  method_not_allowed: 405,
  hold_closed: 409,
  hold_expired: 409,
  idempotency_key_reused: 409,
  account_exists: 409,
  /** Extension: the hold's delayed rule is already scheduled (`scheduled`); the hold is still active. */
  action_scheduled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  insufficient_funds: 422,
  limit_exceeded: 422,
  category_blocked: 422,
  age_restricted: 422,
  exceeds_remaining: 422,
  exceeds_refundable: 422,
  no_matching_rule: 422,
  not_an_increase: 422,
  too_many_settlements: 422,
  too_many_events: 422,
  /**
   * Extension: a delayed rule would run after the hold expires (sent by other than the payer), or past
   * its one-year lifetime; nothing changed.
   */
  delay_past_expiry: 422,
  /** Extension: a hold took holdRefundsMax refunds. */
  too_many_refunds: 422,
  /** Extension: a deposit would take the money issued past issuedMinorMax (balances stay safe integers). */
  balance_max_exceeded: 422,
  rate_limited: 429,
  /** Extension: the client's wrong PINs of the last 24 h reached the cap; PIN checks wait for them to age out. */
  pin_checks_suspended: 429,
  pin_incorrect: 422,
  pin_locked: 423,
  pin_rejected: 422,
  face_required: 422,
  liveness_failed: 422,
  probe_invalid: 400,
  probe_stale: 422,
  probe_replayed: 409,
  model_not_calibrated: 422,
  duplicate_enrolment: 409,
  /** Extension: POST /v1/persons replayed under its Idempotency-Key after that person was erased. */
  person_erased: 410,
  identification_required: 403,
  kiosk_exists: 409,
  client_revoked: 409,
  /** Extension: a client's enrolments move to its replacement only once it is revoked (it could enrol after). */
  client_not_revoked: 409,
  id_document_mismatch: 403,
  kiosk_revoked: 403,
  kiosk_signature_invalid: 403,
  kiosk_request_stale: 422,
  kiosk_request_replayed: 409,
  kiosk_attestation_required: 403,
  kiosk_attestation_invalid: 403,
  transform_key_outdated: 409,
  guardian_consent_required: 403,
  guardian_consent_invalid: 403,
  guardian_not_identified: 422,
  guardian_not_adult: 422,
  /**
   * Extension: a re-key is running (on this hub, or another instance sharing keys/), or one whose commit
   * was not confirmed left keys/transform.key.next for the next start to settle; nothing changed.
   */
  rekey_unfinished: 409,
  internal: 500,
  /** Extension: a stored template does not open (damaged, or sealed under other keys); nothing moved. */
  template_unreadable: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/**
 * One of the hub's error codes: not a client's 'unknown' for an answer without the hub's error body (a
 * gateway's own 429 or 502), nor a code some proxy made up, which say nothing of the hub's reason.
 */
export function isHubErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorStatus, code);
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
