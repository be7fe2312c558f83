// The one contract between the kiosk's renderer and its kiosk service: every call, its request and
// answer schema, and the events the service pushes; served by Electron's preload bridge and by the web shell's WebSocket.
// Answers are values ({ok:true,...} / {ok:false,error}), never exceptions thrown across the boundary.
import { z } from 'zod';
import * as L from './limits.ts';
import { isCategory } from './categories.ts';
import { challengeKinds, challengePoolMin } from './challenge-kinds.ts';
import type { IdDocumentErrorCode, MrzCheckDigit, MrzField } from './id-document.ts';
import { typedIdDocumentSchema } from './id-document.ts';
import { accountIdSchema } from './hub-api.ts';

/** The codes only the enrolment station answers (its officers, document, faces, guardian). */
const stationOwnErrorCodes = [
  'officer_signed_out',
  'officer_pin_incorrect',
  'officer_locked',
  'enrolment_not_ready',
  'document_refused',
  'no_photo_calibration',
  'face_mismatch',
  'pins_differ',
  'pin_rejected',
  'consent_required',
  'already_enrolled',
  'duplicate_face',
  'not_enrolled_here',
  'second_officer_required',
  'id_document_mismatch',
  'guardian_required',
  'guardian_not_identified',
  'guardian_not_adult',
  'guardian_consent_invalid',
] as const;

export const kioskErrorCodes = [
  'invalid_request',
  'unknown_method',
  'no_payment',
  'payment_not_ready',
  'payment_closed',
  'liveness_failed',
  'no_match',
  // The payment's face tries (faceTriesPerPaymentMax) are used (compared by the hub, or refused by the
  // kiosk): member number + PIN.
  'face_tries_used',
  // The hub's: a member number and PIN alone do not pay this (over pinOnlyAmountMax, or a child's account).
  'face_required',
  // The hub's: the face was identified too long ago (identificationMemoryMs) for the PIN; look again.
  'identification_required',
  'pin_required',
  'pin_incorrect',
  'pin_locked',
  'member_unknown',
  'insufficient_funds',
  'limit_exceeded',
  'category_blocked',
  'age_restricted',
  'hub_unreachable',
  'hub_refused',
  'transform_key_outdated',
  'operator_pin_incorrect',
  'operator_locked',
  'rate_limited',
  'pin_checks_suspended',
  'already_checked_in',
  'wrong_mode',
  // Enrolment station (issue 10).
  ...stationOwnErrorCodes,
  'internal',
] as const;
export type KioskErrorCode = (typeof kioskErrorCodes)[number];

/**
 * Why the enrolment station was refused already_enrolled when its own lost requests may be the cause: an
 * earlier try whose fate the hub can no longer tell may hold the account (only the hub's admin can erase
 * that person), or a faceless person created after this station's try holds it (another station of the
 * organisation enrolling them now, or since): not this station's to erase. Each has its own words on screen.
 */
export const enrolmentRefusalReasons = ['earlier_try_unresolved', 'enrolled_elsewhere'] as const;
export type EnrolmentRefusalReason = (typeof enrolmentRefusalReasons)[number];

/**
 * Why the desk found nobody enrolled at this station with the document shown, when its own lost requests
 * say more: an enrolment of this document got no answer and the hub no longer answers for it, so only the
 * hub's admin can find that person (by the document hash the desk lists) and erase them.
 */
export const deskRefusalReasons = ['listed_for_admin'] as const;
export type DeskRefusalReason = (typeof deskRefusalReasons)[number];

/**
 * The hub's own codes (hub_refused's `hubCode`) an enrolment can meet at POST /v1/persons, its templates
 * and the guardian's consent (src/hub/identity), that the officer's screens word on their own
 * (enrol.refused.hubCodes.*.title / .body); any other code reads as hub_refused's words.
 */
export const stationHubCodes = [
  'not_found',
  'forbidden',
  'invalid_request',
  'guardian_consent_required',
  'person_erased',
  'model_not_calibrated',
  'kiosk_attestation_required',
  'kiosk_attestation_invalid',
  'kiosk_revoked',
  'unauthorized',
] as const;

/**
 * Every code the enrolment station's calls can answer: its own, the hub's it passes on (hub-link), and
 * the transport's. The officer's screens word each one in Japanese and English (locales:
 * enrol.refused.codes.*.title / .body); the `message` beside it is the service's English, for logs.
 */
export const stationErrorCodes = [
  'invalid_request',
  'unknown_method',
  'wrong_mode',
  'internal',
  'hub_unreachable',
  'hub_refused',
  'rate_limited',
  'liveness_failed',
  'pin_incorrect',
  'pin_locked',
  'pin_checks_suspended',
  ...stationOwnErrorCodes,
] as const satisfies readonly KioskErrorCode[];

export interface KioskError {
  readonly code: KioskErrorCode;
  readonly message: string;
  /** PIN tries left before the lock, for pin_incorrect. */
  readonly attemptsLeft?: number;
  /**
   * rate_limited at the PIN check itself: the hub checked no PIN and counted no try, and the payment stays at
   * its step (absent: a 429 to the hold request, which sent the payment back to the face step).
   */
  readonly pinNotChecked?: true;
  /** The patient's open visit, for already_checked_in. */
  readonly queueNumber?: number;
  /**
   * The renderer's own, with internal: the call went out and the kiosk service closed before it answered,
   * so what it did (a hold request sent, or not) is not known; never sent by the service.
   */
  readonly answerLost?: true;
  /** Why the ID document was refused, for document_refused. */
  readonly documentCode?: IdDocumentErrorCode;
  /** duplicate_face: the already enrolled person's masked id, when the hub names one; never their data. */
  readonly existingPersonMasked?: string;
  /** already_enrolled at the enrolment station: what its own lost requests say of who holds the account. */
  readonly enrolmentReason?: EnrolmentRefusalReason;
  /** not_enrolled_here at the desk: what the station's own lost requests say of that document. */
  readonly deskReason?: DeskRefusalReason;
  /** document_refused for mrz_mismatch: the typed fields the MRZ disagrees with. */
  readonly mrzMismatches?: readonly MrzField[];
  /** officer_locked: whole minutes until the officers' PIN lock lifts. */
  readonly lockedMinutes?: number;
  /** document_refused for mrz_invalid: the MRZ's check digits that do not check. */
  readonly mrzCheckDigits?: readonly MrzCheckDigit[];
  /** hub_refused: the hub's own error code (`{"error":{"code"}}`), which says why. */
  readonly hubCode?: string;
  /** The HTTP status the hub answered with, whenever the code is the hub's own (hub_refused's hubCode, or a code passed on),
   * and on hub_unreachable when the hub's own error (e.g. 503 unavailable) answered a read: try again (hub-link.ts). */
  readonly hubStatus?: number;
  /** With hubStatus: the hub's own message, for its operator (never shown to a shopper). */
  readonly hubMessage?: string;
  /**
   * The enrolment station's call failed while the hub refuses this station's credentials (HubLink
   * credentialsRefused): its answer. No retry changes that; the station must be provisioned again.
   */
  readonly credentialsRefused?: CredentialsRefused;
}

export type KioskResult<T> = ({ ok: true } & T) | { ok: false; error: KioskError };

const amount = z.number().int().positive().max(L.kioskPaymentAmountMax);
const reference = z
  .string()
  .min(1)
  .max(L.holdReferenceLengthMax)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII');
const category = z
  .string()
  .min(1)
  .max(L.holdCategoryLengthMax)
  .regex(/^[a-z][a-z0-9_.-]*$/)
  .refine(isCategory, 'category: not in the vocabulary (src/shared/categories.ts)');
const paymentId = z.string().regex(/^pay_[A-Za-z0-9]{8,40}$/);
const pinDigits = z
  .string()
  .regex(/^[0-9]+$/)
  .min(L.pinDigitsMin)
  .max(L.pinDigitsMax);

/**
 * A clinic visit as the reception board shows it: the queue number and the money, never a name (the
 * board faces the waiting room). waiting: the cap is held; paid: the clinic's amount settled and the rest
 * released; released / expired: nothing taken (the hold was released, or the no-show deadline passed);
 * gone: the hub answered that it has no such hold (its 404), so the kiosk cannot tell what became of the
 * money (staff ask the hub's operator; the kiosk releases and settles nothing for it).
 */
export const visitViewSchema = z.object({
  queueNumber: z.number().int().positive(),
  holdId: z.string(),
  state: z.enum(['waiting', 'paid', 'released', 'expired', 'gone']),
  held: z.number().int(),
  paid: z.number().int(),
  released: z.number().int(),
  checkedInAt: z.string(),
  /** When the hold releases by itself if the clinic sends nothing (the no-show deadline). */
  deadline: z.string(),
});
export type VisitView = z.infer<typeof visitViewSchema>;

/**
 * What the renderer knows of a payment: never the payer's account, only the masked name. In clinic mode
 * the same flow is a check-in (purpose clinic_visit): `amount` is the clinic's cap, and it ends in
 * checked_in with `visit` set instead of paid with a receipt.
 */
export const paymentViewSchema = z.object({
  id: paymentId,
  purpose: z.enum(['purchase', 'clinic_visit']),
  amount: z.number().int(),
  currency: z.literal('JPY'),
  reference: z.string(),
  category: z.string().nullable(),
  source: z.enum(['till', 'operator', 'patient']),
  state: z.enum([
    'waiting_for_face',
    'confirming',
    'pin',
    'paid',
    'checked_in',
    'cancelled',
    'failed',
  ]),
  displayNameMasked: z.string().nullable(),
  pinRequired: z.boolean(),
  /** Looks at the camera left for this payment (limits: faceTriesPerPaymentMax); 0: no face step. */
  faceTriesLeft: z.number().int().min(0),
  /**
   * The kiosk reads no face now (faceLooksFailedInARowMax looks in a row failed, until staff resume face
   * checks): faceTriesLeft is 0, and the screen says why, not that this payment used its tries.
   */
  faceChecksPaused: z.boolean(),
  receipt: z
    .object({
      holdId: z.string(),
      amount: z.number().int(),
      shopName: z.string(),
      settledAt: z.string(),
    })
    .nullable(),
  visit: visitViewSchema.nullable(),
  failure: z.string().nullable(),
  /**
   * A hold request of this payment went out to the hub (any attempt, once written down for reconcile) and
   * the hub has not refused it itself: in flight, its answer lost (hub_unreachable), a 429 that a gateway may
   * have sent after forwarding it (rate_limited, kept true for the payment's later attempts, whatever their
   * answers), or answered and then a failure of the kiosk itself. false: none went out, or the hub refused
   * the only one, so nothing was taken or held for this payment. The screens word failures by it: while
   * true, none says no money was taken.
   */
  holdRequestSent: z.boolean(),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

/** The engine's verdict on the frames the renderer read; the service attests to exactly this. */
export const livenessEvidenceSchema = z.strictObject({
  passed: z.boolean(),
  score: z.number().min(0).max(1).optional(),
  checks: z.array(z.string().min(1).max(64)).max(16).optional(),
  reasons: z.array(z.string().min(1).max(128)).max(16).optional(),
});

const finite = z.number().refine(Number.isFinite, 'finite');

/**
 * The version of the consent text the enrolment station shows (locales: enrol.consent.*). The station
 * records it with the time the person agreed; a new text needs a new version here. 2026-12-06: erasure
 * at the station where the person enrolled (not "any station": another station refuses, not_enrolled_here).
 * 2026-12-07: plain words (no "template" or "keyed hash"): the photo is not kept, the face is kept as
 * encrypted numbers, the document number in a form that cannot be turned back.
 */
export const enrolmentConsentVersion = 'facepay-consent-2026-12-07';

/** The enrolment in progress at a station, as its officer's screens see it: never a PIN or a document number. */
export const enrolmentViewSchema = z.object({
  id: z.string(),
  step: z.enum(['document', 'guardian', 'id_photo', 'live_face', 'pin', 'enrolled', 'refused']),
  /** Under 18 by the document's date of birth: enrolled under a guardian, a 4-digit PIN. */
  child: z.boolean(),
  /** The guardian who consented by face and PIN, and the limits they set; null: none (yet). */
  guardian: z
    .object({
      personId: z.string(),
      displayNameMasked: z.string(),
      limits: z.object({ perPaymentMax: z.number().optional(), dailyMax: z.number().optional() }),
      blockedCategories: z.array(z.string()),
    })
    .nullable(),
  accountId: z.string().nullable(),
  documentType: z.string().nullable(),
  /** Photo vs live: the score and the calibrated threshold it was held to. */
  photoMatch: z
    .object({ score: z.number(), threshold: z.number(), matched: z.boolean() })
    .nullable(),
  templates: z.number().int(),
  person: z
    .object({
      id: z.string(),
      memberNumber: z.string(),
      displayNameMasked: z.string(),
      child: z.boolean(),
    })
    .nullable(),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** The second officer who signed an override of a photo-vs-live mismatch; null: none. */
  override: z.string().nullable(),
});
export type EnrolmentView = z.infer<typeof enrolmentViewSchema>;

export const stationViewSchema = z.object({
  /** The signed-in officer's id; null: locked. */
  officer: z.string().nullable(),
  /** The calibrated photo-vs-live operating point; null: the station refuses to enrol. */
  photoVsLive: z
    .object({
      modelId: z.string(),
      threshold: z.number(),
      targetFmr: z.number(),
      fmr: z.number(),
      fnmr: z.number(),
    })
    .nullable(),
  consentVersion: z.string(),
  enrolment: enrolmentViewSchema.nullable(),
  /**
   * Enrolments whose POST /v1/persons got no answer and that the hub no longer answers for (its stored
   * answers are kept for a limited time): the hub may have enrolled the person, without a face, on the
   * account and document. Only the hub's admin can find (by account or document hash) and erase them; the
   * station keeps nothing else of them.
   */
  personsToErase: z.array(
    z.object({
      accountId: z.string(),
      documentType: z.string(),
      /** The keyed hash of the document number the hub stores with the person. */
      documentHash: z.string(),
      /** When the station sent the request (ISO 8601); null: not known. */
      sentAt: z.string().nullable(),
    }),
  ),
});
export type StationView = z.infer<typeof stationViewSchema>;

/**
 * A face descriptor from the renderer, as the service can protect it: the engine's length and a finite,
 * non-zero norm (protectProbe asserts both), so another process's bad descriptor is an invalid_request
 * here rather than an assertion inside the service.
 */
const descriptorSchema = z
  .array(finite)
  .length(L.kioskDescriptorLength)
  .refine((values) => {
    let squares = 0;
    for (const value of values) squares += value * value;
    return squares > 0 && Number.isFinite(squares);
  }, 'a descriptor has a finite, non-zero norm');
const modelIdSchema = z.string().min(1).max(128);

export const kioskRequests = {
  status: z.strictObject({}),
  startPayment: z.strictObject({
    amount,
    reference: reference.optional(),
    category: category.optional(),
  }),
  currentPayment: z.strictObject({}),
  identify: z.strictObject({
    paymentId,
    modelId: z.string().min(1).max(128),
    descriptor: descriptorSchema,
    liveness: livenessEvidenceSchema,
  }),
  confirm: z.strictObject({ paymentId, pin: pinDigits.optional() }),
  payWithMemberPin: z.strictObject({
    paymentId,
    memberNumber: z.string().regex(/^[0-9]{6,16}$/),
    pin: pinDigits,
  }),
  cancel: z.strictObject({ paymentId }),
  /**
   * The shopper says the masked name shown is not theirs (the confirm or PIN step): the payment goes back to
   * the face step keeping nothing of the person matched, and stays open for the till (face again, or the
   * shopper's own member number and PIN).
   */
  notMe: z.strictObject({ paymentId }),
  /** Clinic mode: a patient taps "check in"; opens a check-in for the clinic's cap. */
  startCheckIn: z.strictObject({}),
  /** Clinic mode: today's visits this kiosk checked in, newest first, for the reception board. */
  clinicVisits: z.strictObject({}),
  operatorUnlock: z.strictObject({ pin: pinDigits }),
  /** Leaves kiosk mode (Electron: closes the window); only within an operator unlock. */
  operatorExit: z.strictObject({}),
  /**
   * Staff checked a payment to check (status.paymentsToCheck) with the hub's operator and settled it
   * there; the kiosk stops looking for its hold. Only within an operator unlock.
   */
  operatorClearPaymentToCheck: z.strictObject({ paymentId }),
  /**
   * Staff resume face checks the kiosk paused (status.faceChecksPaused); payments and check-ins opened from
   * now on have their face tries again. Only within an operator unlock.
   */
  operatorResumeFaceChecks: z.strictObject({}),
  /**
   * The face session refused the face it read (liveness, the challenge, timeout): one of the payment's face
   * tries is used, as a comparison by the hub uses one, so a refused shopper cannot retry without end.
   */
  reportFaceRefused: z.strictObject({ paymentId }),
  reportCameraProblem: z.strictObject({
    problem: z.enum(['no_camera', 'permission_denied', 'camera_lost']),
  }),
  /** Enrolment station: the officer signs in with their id and PIN (the station keeps a verifier). */
  officerSignIn: z.strictObject({
    officerId: z.string().min(1).max(64),
    pin: z.string().regex(/^[0-9]{4,12}$/),
  }),
  officerSignOut: z.strictObject({}),
  /** The station's state: officer, calibration, the enrolment in progress. Counts as activity. */
  station: z.strictObject({}),
  /** A new enrolment: the person's account (opened and assigned to this station's organisation) and their ID document. */
  enrolmentDocument: z.strictObject({
    accountId: accountIdSchema,
    document: typedIdDocumentSchema,
  }),
  /**
   * A child's guardian at the camera: their live face (after liveness), their PIN, and the limits they
   * set on the child's account; the hub identifies them among enrolled adults and gives its consent.
   */
  enrolmentGuardian: z.strictObject({
    modelId: modelIdSchema,
    descriptor: descriptorSchema,
    liveness: livenessEvidenceSchema,
    pin: pinDigits,
    limits: z.strictObject({
      perPaymentMax: amount.optional(),
      dailyMax: amount.optional(),
    }),
    blockedCategories: z.array(category).max(L.blockedCategoriesMax),
  }),
  /** The ID photo's face, read by the renderer's engine from a camera still or a scanner's file. */
  enrolmentIdPhoto: z.strictObject({ modelId: modelIdSchema, descriptor: descriptorSchema }),
  /** The live face after liveness: compared 1:1 with the ID photo; kept as the person's templates. */
  enrolmentLiveFace: z.strictObject({
    modelId: modelIdSchema,
    descriptors: z.array(descriptorSchema).min(1).max(L.stationLiveTemplatesMax),
    liveness: livenessEvidenceSchema,
  }),
  /** The PIN twice and the consent shown: enrols the person with the hub. */
  enrolmentFinish: z.strictObject({
    pin: pinDigits,
    pinAgain: pinDigits,
    consent: z.strictObject({
      version: z.string().min(1).max(64),
      language: z.enum(['ja', 'en']),
      accepted: z.literal(true),
    }),
  }),
  enrolmentCancel: z.strictObject({}),
  /** A face_mismatch enrolled anyway: only a second officer's id and PIN, audited. */
  enrolmentOverride: z.strictObject({
    officerId: z.string().min(1).max(64),
    pin: z.string().regex(/^[0-9]{4,12}$/),
  }),
  /**
   * Erasure at the station after the officer's ID check: the person enrolled here with this document.
   * `preview`: nobody is erased; the answer names whom the document finds, for the officer to confirm.
   */
  personErase: z.strictObject({
    document: typedIdDocumentSchema,
    preview: z.literal(true).optional(),
  }),
  /** A locked PIN unlocked after the officer's ID check (the hub compares the enrolled document). */
  personUnlockPin: z.strictObject({ document: typedIdDocumentSchema }),
} as const;
export type KioskMethod = keyof typeof kioskRequests;
export type KioskRequest<M extends KioskMethod> = z.infer<(typeof kioskRequests)[M]>;

/**
 * The hub answered, but refuses this kiosk's credentials (HubLink.connect): 401 unauthorized (the till's
 * token revoked, rotated away or unknown), 403 (kiosk_revoked, forbidden: registered to another client,
 * kiosk_signature_invalid: other keys) or 404 not_found (no such kiosk at this hub). The kiosk asks again
 * every round; only provisioning it again (a new kiosk.json) or the hub's admin ends it.
 */
export const credentialsRefusedSchema = z.object({
  status: z.number().int().min(400).max(499),
  code: z.string().max(64),
});
export type CredentialsRefused = z.infer<typeof credentialsRefusedSchema>;

/**
 * The hub's codes a lost payment's look-up, release or refund can keep meeting (its auth, the ledger's
 * release and refund, src/hub), that the operator screen words on its own, with what to do
 * (operator.toCheckRefusedReason.*); any other reads as a generic sentence with its status and code.
 */
export const paymentToCheckHubCodes = [
  'unauthorized',
  'forbidden',
  'kiosk_revoked',
  'not_found',
  'invalid_request',
  'hold_closed',
  'hold_expired',
  'idempotency_key_reused',
  'exceeds_refundable',
  'insufficient_funds',
  'too_many_refunds',
] as const;

/**
 * Of those, the refusals no retry can ever undo: the hub will never refund this hold again. Once the hub's
 * operator has given the money back another way, staff mark the payment checked and the kiosk stops asking
 * (operatorClearPaymentToCheck); any other refusal leaves the list only when the money is given back.
 */
export const paymentToCheckFinalRefusals: readonly string[] = ['too_many_refunds'];

/**
 * A refusal the hub keeps giving, as data: the screen words it by code in the staff's language, and shows
 * the hub's own message apart, for the hub's operator.
 */
export const hubRefusalSchema = z.object({
  /** The HTTP status the hub answered with; null where the code is not the hub's (a proxy's answer). */
  status: z.number().int().nullable(),
  /** The hub's error code (error-codes.ts); else the kiosk's own for it (hub_refused). */
  code: z.string().max(64),
  /** The hub's message, in English, as it gave it (cut at L.hubRefusalMessageCharsMax). */
  hubMessage: z.string().max(L.hubRefusalMessageCharsMax),
});
export type HubRefusal = z.infer<typeof hubRefusalSchema>;

/** Whether no retry can undo `refusal` (paymentToCheckFinalRefusals): then staff may mark its payment checked. */
export function isFinalRefusal(refusal: HubRefusal | null): boolean {
  return refusal !== null && paymentToCheckFinalRefusals.includes(refusal.code);
}

/** The kinds a kiosk's challenge draws from (kiosk.json challengeKinds): known, no repeats, three or more. */
export const challengePoolSchema = z
  .array(z.enum(challengeKinds))
  .min(challengePoolMin)
  .refine((kinds) => new Set(kinds).size === kinds.length, { message: 'a kind named twice' });

export const kioskStatusSchema = z.object({
  shopName: z.string(),
  /** The merchant account paid; null at an enrolment station. */
  payee: z.string().nullable(),
  mode: z.enum(['shop', 'clinic', 'enrolment']),
  /** Clinic mode: the cap held at check-in and how long a visit waits before a no-show releases it. */
  clinic: z.object({ cap: z.number().int(), noShowAfterSeconds: z.number().int() }).nullable(),
  /** 'unreachable': not ready for faces and payments, out of reach or refusing (credentialsRefused). */
  hub: z.enum(['reachable', 'unreachable']),
  /** Why the hub is not ready when it answered: it refuses this kiosk; null when out of reach or ready. */
  credentialsRefused: credentialsRefusedSchema.nullable(),
  /**
   * Lost payments the kiosk will give back (refund or release) once the hub answers for them (reconcile),
   * not those listed for staff (paymentsToCheck): staff see how many wait while the hub refuses the kiosk.
   */
  lostPaymentsWaiting: z.number().int().nonnegative(),
  modelId: z.string().nullable(),
  livenessPolicy: z.enum(['natural', 'challenge']),
  /** The kinds this kiosk's challenge draws two from, in a random order. */
  challengeKinds: challengePoolSchema,
  defaultLanguage: z.enum(['ja', 'en']),
  payment: paymentViewSchema.nullable(),
  /** Enrolment mode: the station (officer, calibration, enrolment in progress); null in other modes. */
  station: stationViewSchema.nullable(),
  /**
   * Payments whose hold request got no answer and that the hub may no longer answer for (its stored
   * answers are kept for a limited time): the shopper may have paid. Staff check each with the hub's
   * operator (the hold by payee, reference and time) and clear it on the operator screen. Also those whose
   * hold the kiosk found but the hub refuses, again and again, to release or refund (or to look up).
   */
  /**
   * The kiosk reads no face (faceLooksFailedInARowMax looks in a row refused or matched nobody): payments
   * and check-ins go by member number and PIN until staff resume face checks on the operator screen.
   */
  faceChecksPaused: z.boolean(),
  paymentsToCheck: z.array(
    z.object({
      paymentId: z.string(),
      amount: z.number().int(),
      reference: z.string(),
      /** When the kiosk sent the hold request (ISO 8601). */
      sentAt: z.string(),
      /**
       * The hub's last refusal of a payment the kiosk still asks it to undo every round: it leaves the list
       * once undone (at the hub too), and staff clear it only where no retry can undo it
       * (paymentToCheckFinalRefusals). null: the hub may no longer answer for it; staff check and clear it.
       */
      hubRefusal: hubRefusalSchema.nullable(),
    }),
  ),
});
export type KioskStatus = z.infer<typeof kioskStatusSchema>;

export interface KioskResponses {
  status: { status: KioskStatus };
  startPayment: { payment: PaymentView };
  currentPayment: { payment: PaymentView | null };
  identify: { payment: PaymentView };
  confirm: { payment: PaymentView };
  payWithMemberPin: { payment: PaymentView };
  cancel: { payment: PaymentView };
  notMe: { payment: PaymentView };
  startCheckIn: { payment: PaymentView };
  clinicVisits: { visits: VisitView[] };
  operatorUnlock: { unlockedUntil: string };
  operatorExit: { exiting: true };
  operatorClearPaymentToCheck: { cleared: true };
  operatorResumeFaceChecks: { resumed: true };
  reportFaceRefused: { payment: PaymentView };
  reportCameraProblem: { recorded: true };
  officerSignIn: { station: StationView };
  officerSignOut: { station: StationView };
  station: { station: StationView };
  enrolmentDocument: { station: StationView };
  enrolmentGuardian: { station: StationView };
  enrolmentIdPhoto: { station: StationView };
  enrolmentLiveFace: { station: StationView };
  enrolmentFinish: { station: StationView };
  enrolmentCancel: { station: StationView };
  enrolmentOverride: { station: StationView };
  personErase: { station: StationView; personId: string; toErase?: PersonToErase | null };
  personUnlockPin: { station: StationView; personId: string };
}

/**
 * Whom an erasure's preview found, as the hub holds them: the masked name and the member number the officer
 * can check with the person before an erasure that cannot be undone. null: the hub did not name them.
 */
export interface PersonToErase {
  displayNameMasked: string;
  memberNumber: string;
}

/** Pushed by the service: a till sent an amount, or the payment changed outside the renderer's own calls. */
export const kioskEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('payment'), payment: paymentViewSchema }),
  z.object({
    type: z.literal('hub'),
    hub: z.enum(['reachable', 'unreachable']),
    /** As in the status; absent from a sender that does not tell. */
    credentialsRefused: credentialsRefusedSchema.nullable().optional(),
  }),
  /** Clinic mode: a visit changed (checked in, paid, released, expired); the board redraws from it. */
  z.object({ type: z.literal('visits'), visits: z.array(visitViewSchema) }),
  /** Enrolment mode: the station locked itself after inactivity (or the officer changed). */
  z.object({ type: z.literal('station'), station: stationViewSchema }),
  /** Face checks paused (failed looks in a row) or resumed by staff: as status.faceChecksPaused. */
  z.object({ type: z.literal('faceChecks'), paused: z.boolean() }),
]);
export type KioskEvent = z.infer<typeof kioskEventSchema>;

/** What the renderer sees: one typed call per method, results as values, and a subscription. */
export interface KioskApi {
  call<M extends KioskMethod>(
    method: M,
    request: KioskRequest<M>,
  ): Promise<KioskResult<KioskResponses[M]>>;
  onEvent(listener: (event: KioskEvent) => void): () => void;
}

/** The service side: the same calls, validated at the door by `handleKioskCall`. */
export type KioskHandlers = {
  [M in KioskMethod]: (request: KioskRequest<M>) => Promise<KioskResult<KioskResponses[M]>>;
};

export function kioskFailure(
  code: KioskErrorCode,
  message: string,
  extra: Omit<KioskError, 'code' | 'message'> = {},
): { ok: false; error: KioskError } {
  return { ok: false, error: { code, message, ...extra } };
}

/** One entry for every transport: checks the method and the payload, then calls the handler. */
export async function handleKioskCall(
  handlers: KioskHandlers,
  method: unknown,
  payload: unknown,
): Promise<KioskResult<unknown>> {
  if (typeof method !== 'string' || !Object.hasOwn(kioskRequests, method)) {
    return kioskFailure('unknown_method', 'no such kiosk call');
  }
  const name = method as KioskMethod;
  const parsed = kioskRequests[name].safeParse(payload);
  if (!parsed.success) {
    return kioskFailure('invalid_request', parsed.error.issues[0]?.message ?? 'invalid request');
  }
  const handler = handlers[name] as (request: unknown) => Promise<KioskResult<unknown>>;
  return handler(parsed.data);
}

/** Wire frames of the WebSocket transport (the preload bridge carries the same call/result pairs). */
export const kioskWireCallSchema = z.strictObject({
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  method: z.string().max(64),
  payload: z.unknown(),
});
export type KioskWireMessage =
  | { kind: 'result'; id: number; result: KioskResult<unknown> }
  | { kind: 'event'; event: KioskEvent };
