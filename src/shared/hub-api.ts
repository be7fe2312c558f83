// The hub's HTTP contract (../shared/API.md) as zod schemas: the hub validates every request with them,
// the OpenAPI document is generated from them, and clients (kiosk, tests, benchmark) share the types.
import { z } from 'zod';
import * as L from './limits.ts';
import { isMemberNumber } from './member-number.ts';
import { isCategory } from './categories.ts';
import type { Yen } from './money.ts';

const text = (max: number) => z.string().min(1).max(max);

/** Money as the schemas yield it: a client sends a plain number, the parsed value is Yen. */
type YenSchema = z.ZodType<Yen, number>;

/**
 * An amount a client asks for. The check is money.ts's isValidAmount (a safe integer 1..10^12), so
 * what it yields is typed Yen and no caller casts; the runtime schema (and the OpenAPI) is unchanged.
 */
export const amountSchema = z
  .number()
  .int()
  .min(1)
  .max(L.amountMinorMax)
  .meta({ description: 'integer minor units (JPY: yen), 1..10^12' }) as unknown as YenSchema;
export const accountIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'account id');
export const eventTypeSchema = z
  .string()
  .max(L.eventTypeLengthMax)
  .regex(/^[a-z][a-z0-9_.-]*$/, 'event type: lower case, digits, "_", ".", "-"');
export const categorySchema = z
  .string()
  .max(L.holdCategoryLengthMax)
  .regex(/^[a-z][a-z0-9_.-]*$/, 'category: lower case, digits, "_", ".", "-"')
  .refine(isCategory, 'category: not in the vocabulary (src/shared/categories.ts)')
  .meta({
    description: 'extension: one of the hierarchical vocabulary, e.g. alcohol, alcohol.beer',
  });
export const isoTimeSchema = z.iso.datetime({ offset: true });

export const roles = ['admin', 'merchant', 'event_source', 'enrollment'] as const;
export type Role = (typeof roles)[number];

export const createClientRequest = z.strictObject({
  name: text(L.nameLengthMax),
  role: z.enum(roles),
  merchantId: accountIdSchema.optional(),
  eventTypes: z.array(eventTypeSchema).min(1).max(L.eventTypesPerClientMax).optional(),
});
export type CreateClientRequest = z.infer<typeof createClientRequest>;

export const clientSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(roles),
  merchantId: z.string().nullable(),
  eventTypes: z.array(z.string()),
  createdAt: z.string(),
  revokedAt: z
    .string()
    .nullable()
    .meta({ description: 'extension: when the admin revoked the client (its token is refused)' }),
});
export type ClientView = z.infer<typeof clientSchema>;
export const createdClientSchema = clientSchema.extend({
  token: z.string().meta({ description: 'bearer token, shown once' }),
});

export const accountKinds = ['person', 'merchant', 'escrow'] as const;
export type AccountKind = (typeof accountKinds)[number];

export const accountLimitsSchema = z.strictObject({
  perPaymentMax: amountSchema.optional(),
  dailyMax: amountSchema.optional(),
});
export type AccountLimits = z.infer<typeof accountLimitsSchema>;

export const createAccountRequest = z.strictObject({
  id: accountIdSchema.optional(),
  kind: z.enum(accountKinds),
  name: text(L.nameLengthMax),
  currency: z.literal('JPY'),
  limits: accountLimitsSchema.optional(),
  blockedCategories: z.array(categorySchema).max(L.blockedCategoriesMax).optional(),
});
export type CreateAccountRequest = z.infer<typeof createAccountRequest>;

export const accountSchema = z.object({
  id: z.string(),
  kind: z.enum(accountKinds),
  name: z.string(),
  currency: z.literal('JPY'),
  balance: z.number().int(),
  held: z.number().int(),
  available: z.number().int(),
  limits: accountLimitsSchema,
  blockedCategories: z.array(z.string()),
  createdAt: z.string(),
});
export type AccountView = z.infer<typeof accountSchema>;

export const depositRequest = z.strictObject({ amount: amountSchema });

export const entryKinds = ['deposit', 'settlement', 'refund'] as const;
export const entrySchema = z.object({
  id: z.string(),
  transferId: z.string(),
  accountId: z.string(),
  counterpartyId: z.string(),
  kind: z.enum(entryKinds),
  amount: z.number().int().meta({ description: 'signed: credit > 0, debit < 0' }),
  balanceAfter: z.number().int(),
  holdId: z.string().nullable(),
  at: z.string(),
});
export type EntryView = z.infer<typeof entrySchema>;

export const ruleActions = ['settle', 'release'] as const;
export const ruleSchema = z.strictObject({
  on: z.union([z.literal('expiry'), eventTypeSchema]),
  action: z.enum(ruleActions),
  amount: z.union([z.literal('event'), z.literal('remaining'), amountSchema]).optional(),
  final: z.boolean().optional(),
  from: z.array(text(L.idLengthMax)).min(1).max(8).optional(),
  delaySeconds: z.number().int().min(1).max(L.holdLifetimeSecondsMax).optional().meta({
    description: 'extension: run the action this long after the event unless the hold closes first',
  }),
});
export type Rule = z.infer<typeof ruleSchema>;

export const templateRequest = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('purchase') }),
  z.strictObject({ name: z.literal('metered') }),
  z.strictObject({ name: z.literal('no_show_fee'), deadline: isoTimeSchema }),
  z.strictObject({ name: z.literal('delivery') }),
  z.strictObject({
    name: z.literal('escrow'),
    returnWindowSeconds: z.number().int().min(1).max(L.escrowReturnWindowSecondsMax),
  }),
  z.strictObject({ name: z.literal('clinic_visit') }),
  z.strictObject({ name: z.literal('deposit') }),
]);
export type TemplateRequest = z.infer<typeof templateRequest>;

export const placeHoldRequest = z.strictObject({
  payer: accountIdSchema,
  payee: accountIdSchema,
  amount: amountSchema,
  currency: z.literal('JPY'),
  reference: text(L.holdReferenceLengthMax),
  expiresInSeconds: z.number().int().min(1).max(L.holdLifetimeSecondsMax),
  onExpiry: z.enum(['release', 'settle']).optional(),
  rules: z.array(ruleSchema).max(L.holdRulesMax).optional(),
  template: templateRequest.optional(),
  category: categorySchema.optional(),
  authorization: text(1024).optional(),
});
export type PlaceHoldRequest = z.infer<typeof placeHoldRequest>;

export const increaseHoldRequest = z.strictObject({
  amount: amountSchema.meta({ description: 'the new total' }),
  authorization: text(1024)
    .optional()
    .meta({
      description:
        "extension: the payer's fresh payment authorization for the new total; a raise by anyone but admin " +
        "needs it unless the payer's standing limit for the payee covers the raise",
    }),
});
export const settleHoldRequest = z.strictObject({
  amount: amountSchema,
  final: z.boolean().optional(),
});
/** A POST that carries nothing: `{}` (or no body at all, where the route table allows it). */
export const emptyRequest = z.strictObject({});
export const releaseHoldRequest = emptyRequest;
export const refundHoldRequest = z.strictObject({ amount: amountSchema });
export const holdEventRequest = z.strictObject({
  type: eventTypeSchema.refine((t) => t !== 'expiry', 'expiry is not an event a client sends'),
  data: z.strictObject({ amount: amountSchema.optional() }).optional(),
});
export type HoldEventRequest = z.infer<typeof holdEventRequest>;

export const holdStatuses = ['active', 'settled', 'released', 'expired'] as const;
export type HoldStatus = (typeof holdStatuses)[number];

export const holdSchema = z.object({
  id: z.string(),
  status: z.enum(holdStatuses),
  payer: z.string(),
  payee: z.string(),
  currency: z.literal('JPY'),
  amount: z.number().int(),
  settled: z.number().int(),
  refunded: z.number().int(),
  remaining: z.number().int(),
  reference: z.string(),
  category: z.string().optional(),
  expiresAt: z.string(),
  onExpiry: z.enum(['release', 'settle']),
  rules: z.array(ruleSchema),
  template: z.string().optional(),
  scheduled: z
    .object({ action: z.enum(ruleActions), at: z.string(), on: z.string() })
    .nullable()
    .meta({ description: 'extension: a delayed rule action waiting to run' }),
  settlements: z.array(z.object({ id: z.string(), amount: z.number().int(), at: z.string() })),
  refunds: z.array(z.object({ id: z.string(), amount: z.number().int(), at: z.string() })),
  events: z.array(
    z.object({ type: z.string(), at: z.string(), data: z.record(z.string(), z.unknown()) }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type HoldView = z.infer<typeof holdSchema>;

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(L.listLimitMax).optional(),
  cursor: z.string().max(200).optional(),
});
export const holdListQuery = listQuery.extend({
  payer: accountIdSchema.optional(),
  payee: accountIdSchema.optional(),
  status: z.enum(holdStatuses).optional(),
  /** Extension: only holds placed under this reference (the till's order number), e.g. to find a lost one. */
  reference: text(L.holdReferenceLengthMax).optional(),
  /**
   * Extension, with `payer`: only the holds this client placed under this Idempotency-Key, found as long
   * as the hold exists (stored answers are pruned after 48 h); another client's same key finds none.
   */
  idempotencyKey: z
    .string()
    .min(1)
    .max(L.idempotencyKeyLengthMax)
    .describe(
      "Extension, with payer: the holds the caller placed on that payer under this Idempotency-Key (as long as they exist); another client's key finds none",
    )
    .optional(),
});

/** Path parameters: a hold's, account's or standing limit's id (the ledger's ids take up to 128). */
export const ledgerIdParams = z.strictObject({ id: z.string().min(1).max(128) });
/** Path parameters: a client's, person's or kiosk's id. */
export const idParams = z.strictObject({ id: z.string().min(1).max(L.idLengthMax) });

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * GET /v1/holds's page; asked by `idempotencyKey` (an extension), also since when the hub keeps the key of
 * every hold it places: an empty page proves "never placed" only for a request sent after that.
 */
export const holdListPage = listOf(holdSchema).extend({
  placedKeysSince: isoTimeSchema
    .describe('Extension, with idempotencyKey: since when every placed hold keeps its key')
    .optional(),
});

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

const standingPeriodSchema = z.number().int().min(60).max(L.holdLifetimeSecondsMax);
const standingLifetimeSchema = z.number().int().min(1).max(L.standingLimitLifetimeSecondsMax);

export const createStandingLimitRequest = z.strictObject({
  payer: accountIdSchema,
  payee: accountIdSchema,
  amountPerPeriod: amountSchema,
  periodSeconds: standingPeriodSchema,
  expiresInSeconds: standingLifetimeSchema,
  authorization: text(1024).optional().meta({
    description:
      "a person payer's consent: the single-use authorization verify-pin gave for this standing limit",
  }),
});
export type CreateStandingLimitRequest = z.infer<typeof createStandingLimitRequest>;

/** What a person agrees to by face + PIN for a standing limit (amount: the request's `amount`). */
export const standingLimitTermsSchema = z.strictObject({
  periodSeconds: standingPeriodSchema,
  expiresInSeconds: standingLifetimeSchema,
});

export const standingLimitListQuery = listQuery.extend({ payer: accountIdSchema });

export const standingLimitSchema = z.object({
  id: z.string(),
  payer: z.string(),
  payee: z.string(),
  amountPerPeriod: z.number().int(),
  periodSeconds: z.number().int(),
  expiresAt: z.string(),
  createdAt: z.string(),
  revokedAt: z
    .string()
    .nullable()
    .meta({ description: 'when the payer revoked it or a newer one replaced it' }),
});
export type StandingLimitView = z.infer<typeof standingLimitSchema>;

// ---- Identity (enrolment, identification, PIN) ----------------------------------------------

const base64Schema = z.string().regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'base64');
const isoDateSchema = z.iso.date();

export const idDocumentTypes = [
  'my_number_card',
  'drivers_licence',
  'passport',
  'residence_card',
] as const;

/** The officer's ID check: the document's type, its keyed number hash, and who checked it. */
const idDocumentCheckSchema = z.strictObject({
  type: z.enum(idDocumentTypes),
  numberHash: z
    .string()
    .min(16)
    .max(128)
    .regex(/^[A-Za-z0-9+/_=-]+$/),
  verifiedBy: text(L.nameLengthMax),
});

/**
 * Extension, GET /v1/persons: the person enrolled on an account or with a document (its keyed numberHash),
 * exactly one of the two; how an admin finds a person an enrolment station lost the answer about.
 */
export const personFindQuery = z
  .strictObject({
    accountId: accountIdSchema.optional(),
    documentHash: idDocumentCheckSchema.shape.numberHash.optional(),
  })
  .refine((q) => (q.accountId === undefined) !== (q.documentHash === undefined), {
    message: 'give accountId or documentHash, one of them',
  });

export const createPersonRequest = z.strictObject({
  displayName: text(L.nameLengthMax),
  dateOfBirth: isoDateSchema,
  accountId: accountIdSchema,
  idDocument: idDocumentCheckSchema.extend({
    secondOfficer: text(L.nameLengthMax)
      .optional()
      .meta({
        description:
          'extension: the second officer who signed for enrolling a face below the photo-vs-live ' +
          'threshold (audited with the enrolment; the hub stores no more of it)',
      }),
  }),
  guardianPersonId: z.string().min(1).max(L.idLengthMax).optional(),
  requirePin: z.boolean().optional(),
  sealedPin: base64Schema.max(1024),
  consent: z
    .strictObject({ version: text(64), language: z.enum(['ja', 'en']) })
    .optional()
    .meta({
      description:
        'extension: the consent text the person agreed to at enrolment (its version and the language it ' +
        "was shown in); kept with the person and the hub's time of the enrolment",
    }),
  guardianConsent: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({
      description:
        'extension: the token POST /v1/guardian-consents gave for this account; required with ' +
        'guardianPersonId unless the caller is admin, spent by this enrolment',
    }),
});
export type CreatePersonRequest = z.infer<typeof createPersonRequest>;

export const personSchema = z.object({
  id: z.string(),
  displayNameMasked: z.string(),
  accountId: z.string(),
  child: z.boolean(),
  requirePin: z.boolean(),
  guardianPersonId: z.string().nullable(),
  idDocument: z.object({ type: z.string(), verifiedBy: z.string() }),
  templates: z.number().int(),
  createdAt: z.string(),
  memberNumber: z.string().meta({
    description: 'extension: the hub-assigned member number for the PIN fallback at a till',
  }),
  consent: z
    .object({ version: z.string(), language: z.enum(['ja', 'en']), at: z.string() })
    .nullable()
    .meta({ description: 'extension: the consent recorded at enrolment; null: none given' }),
});
export type PersonView = z.infer<typeof personSchema>;
/** GET /v1/persons' answer: the person found (at most one: an account and a document enrol one each). */
export const personFindPage = listOf(personSchema);

export const addTemplatesRequest = z.strictObject({
  modelId: text(128),
  sealedTemplates: z.array(base64Schema.max(4096)).min(1).max(L.templatesPerPersonMax),
});
export type AddTemplatesRequest = z.infer<typeof addTemplatesRequest>;

/** Extension: the officer's ID check that unlocks a locked PIN: the enrolled document, and who checked it. */
export const unlockPinRequest = z.strictObject({
  idDocument: idDocumentCheckSchema.meta({
    description:
      'the document the person was enrolled with (type and the same keyed numberHash) and the officer in verifiedBy',
  }),
});
export type UnlockPinRequest = z.infer<typeof unlockPinRequest>;

/** Extension: the admin assigns a person account to the one enrolment client that may enrol on it. */
export const assignEnrollmentClientRequest = z.strictObject({
  clientId: z.string().min(1).max(L.idLengthMax),
});
export const accountEnrollmentClientSchema = z.object({
  accountId: z.string(),
  enrollmentClientId: z.string(),
});
/** Extension: the admin moves a revoked enrolment client's persons and person accounts to its replacement. */
export const transferEnrollmentsRequest = z.strictObject({
  to: z.string().min(1).max(L.idLengthMax).meta({
    description: 'the active enrollment client that replaces the revoked one (the path id)',
  }),
});
export const enrollmentsTransferSchema = z.object({
  from: z.string(),
  to: z.string(),
  moved: z.object({
    persons: z.number().int().min(0),
    accounts: z.number().int().min(0),
  }),
});
export const addedTemplatesSchema = z.object({
  personId: z.string(),
  templateIds: z.array(z.string()),
  templates: z.number().int(),
});

export const livenessSchema = z.strictObject({
  passed: z.boolean(),
  score: z.number().min(0).max(1).optional(),
  checks: z.array(text(64)).max(16).optional(),
  reasons: z.array(text(128)).max(16).optional(),
});

/** Extension: the registered kiosk's Ed25519 signature over the probe, liveness, payee, amount and model. */
export const kioskAttestationSchema = z.strictObject({
  kioskId: z.string().min(1).max(L.idLengthMax),
  signature: base64Schema.max(128).meta({
    description:
      'base64 Ed25519 signature over BLAKE2b-256 of "facepay.kiosk-attestation.v1" and the length-prefixed ' +
      'kioskId, modelId, payee, amount, canonical liveness JSON and sealedProbe bytes',
  }),
});
export type KioskAttestation = z.infer<typeof kioskAttestationSchema>;

export const identifyRequest = z.strictObject({
  modelId: text(128),
  sealedProbe: base64Schema.max(4096),
  liveness: livenessSchema,
  payee: accountIdSchema,
  amount: amountSchema,
  kioskAttestation: kioskAttestationSchema.optional().meta({
    description: 'extension: required once the calling client has a registered kiosk',
  }),
  purpose: z
    .enum(['payment', 'standing_limit'])
    .optional()
    .meta({
      description:
        'extension: standing_limit identifies a person consenting to a standing limit of `amount` per ' +
        'period: never an authorization here, the PIN is always required (verify-pin with standingLimit)',
    }),
});
export type IdentifyRequest = z.infer<typeof identifyRequest>;

export const identifyResponseSchema = z.object({
  match: z
    .object({
      personId: z.string(),
      displayNameMasked: z.string(),
      score: z.number(),
      margin: z.number().nullable(),
    })
    .nullable(),
  pinRequired: z.boolean(),
  authorization: z.string().optional(),
  authorizationExpiresAt: z.string().optional(),
  /** Extension: the person account the authorization debits (the hold's payer). */
  payer: z.string().optional(),
});
export type IdentifyResponse = z.infer<typeof identifyResponseSchema>;

export const verifyPinRequest = z.strictObject({
  personId: z.string().min(1).max(L.idLengthMax),
  sealedPin: base64Schema.max(1024),
  payee: accountIdSchema,
  amount: amountSchema,
  standingLimit: standingLimitTermsSchema.optional().meta({
    description:
      'extension: the authorization is the consent to a standing limit of at most `amount` per period ' +
      'of at least periodSeconds, for at most expiresInSeconds (after identify with purpose standing_limit)',
  }),
});
export type VerifyPinRequest = z.infer<typeof verifyPinRequest>;
export const authorizationSchema = z.object({
  authorization: z.string(),
  authorizationExpiresAt: z.string(),
  /** Extension: the person account the authorization debits (the hold's payer). */
  payer: z.string(),
});

/** Extension: 10 digits, the first not 0, the last a Damm check digit (src/shared/member-number.ts). */
export const memberNumberSchema = z
  .string()
  .regex(/^[1-9]\d{9}$/, 'member number: 10 digits, the first not 0')
  .refine(isMemberNumber, 'member number: the check digit does not match')
  .meta({ description: '10 digits, the first not 0, the last a Damm check digit' });

/** Extension: the PIN fallback when the face fails; the PIN is sealed for `member:<memberNumber>`. */
export const pinAuthorizationRequest = z.strictObject({
  memberNumber: memberNumberSchema,
  sealedPin: base64Schema.max(1024),
  payee: accountIdSchema,
  amount: amountSchema,
});
export type PinAuthorizationRequest = z.infer<typeof pinAuthorizationRequest>;
export const pinAuthorizationSchema = z.object({
  authorization: z.string(),
  authorizationExpiresAt: z.string(),
  payer: z.string().meta({ description: "the person's account the authorization debits" }),
  personId: z.string(),
  displayNameMasked: z.string(),
});
export type PinAuthorization = z.infer<typeof pinAuthorizationSchema>;

/**
 * Extension: a guardian consents, by face and PIN at the enrolment client, to a child's enrolment on
 * `childAccountId` with these limits; the PIN is sealed for `guardian:<childAccountId>`.
 */
export const guardianConsentRequest = z.strictObject({
  modelId: text(128),
  sealedProbe: base64Schema.max(4096),
  liveness: livenessSchema,
  sealedPin: base64Schema.max(1024),
  childAccountId: accountIdSchema,
  limits: accountLimitsSchema.meta({
    description: "the child's per-payment and daily maximum (each only tightens the account's own)",
  }),
  blockedCategories: z.array(categorySchema).max(L.blockedCategoriesMax),
  kioskAttestation: kioskAttestationSchema.optional().meta({
    description:
      'required once the calling client has a registered kiosk: the signature over the digest ' +
      '"facepay.guardian-attestation.v1" of kioskId, modelId, childAccountId, canonical terms, liveness and probe',
  }),
});
export type GuardianConsentRequest = z.infer<typeof guardianConsentRequest>;
export const guardianConsentSchema = z.object({
  guardianConsent: z.string().meta({ description: 'single use, for POST /v1/persons' }),
  guardianPersonId: z.string(),
  displayNameMasked: z.string(),
  childAccountId: z.string(),
  expiresAt: z.string(),
});
export type GuardianConsentView = z.infer<typeof guardianConsentSchema>;

export const hubKeySchema = z.object({ publicKey: z.string() });
export const healthSchema = z.object({ status: z.literal('ok') });
/** The OpenAPI document itself: any JSON object. */
export const openApiDocumentSchema = z.record(z.string(), z.unknown());
/** Extension: what re-keying the cancelable transform did (admin). */
export const rekeyResultSchema = z.object({
  templates: z.number().int(),
  transformKeyId: z.string(),
});

// ---- Kiosk devices (extension) ----------------------------------------------------------------

const publicKeySchema = base64Schema.max(64).meta({ description: 'base64, 32 bytes' });

export const registerKioskRequest = z.strictObject({
  name: text(L.nameLengthMax),
  clientId: z.string().min(1).max(L.idLengthMax),
  signingPublicKey: publicKeySchema.meta({ description: 'Ed25519 public key, base64, 32 bytes' }),
  boxPublicKey: publicKeySchema.meta({ description: 'X25519 public key, base64, 32 bytes' }),
});
export type RegisterKioskRequest = z.infer<typeof registerKioskRequest>;

export const kioskSchema = z.object({
  id: z.string(),
  name: z.string(),
  clientId: z.string(),
  signingPublicKey: z.string(),
  boxPublicKey: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type KioskView = z.infer<typeof kioskSchema>;

/** What makes a signed kiosk request fresh: the hub refuses a nonce seen before or an old clock. */
const kioskFreshnessFields = {
  nonce: base64Schema.max(64).meta({ description: 'base64, 24 random bytes, never reused' }),
  timestamp: isoTimeSchema.meta({ description: 'the kiosk clock; refused when over 30 s old' }),
};

/** A kiosk request's signature: over the digest of its own `context` (so no request stands for another). */
function kioskSignatureSchema(context: string, signedFields: string) {
  return base64Schema.max(128).meta({
    description:
      `base64 Ed25519 signature over BLAKE2b-256 of "${context}" and the length-prefixed ` +
      signedFields,
  });
}

export const provisionTransformKeyRequest = z.strictObject({
  ...kioskFreshnessFields,
  signature: kioskSignatureSchema(
    'facepay.kiosk-provision.v1',
    'kioskId, nonce bytes and timestamp string',
  ),
});
export type ProvisionTransformKeyRequest = z.infer<typeof provisionTransformKeyRequest>;

export const provisionedTransformKeySchema = z.object({
  kioskId: z.string(),
  transformKeyId: z.string(),
  sealedTransformKey: z
    .string()
    .meta({ description: "base64 crypto_box_seal of the 32-byte key to the kiosk's box key" }),
});
export type ProvisionedTransformKey = z.infer<typeof provisionedTransformKeySchema>;

/** What a kiosk tells its hub of itself: face checks paused (failed looks in a row), or staff resumed them. */
export const kioskAlertTypes = ['face_checks_paused', 'face_checks_resumed'] as const;
export type KioskAlertType = (typeof kioskAlertTypes)[number];

/** The alert as the kiosk made it (what idempotency by alertId compares), without its signature. */
export const kioskAlertFields = z.strictObject({
  alertId: z
    .uuid()
    .meta({ description: 'made by the kiosk; the same alert sent again has the same id' }),
  type: z.enum(kioskAlertTypes),
  occurredAt: isoTimeSchema.meta({ description: "the kiosk's clock when it happened" }),
  failedLooksInARow: z.number().int().min(0).max(L.kioskAlertFailedLooksMax),
});

export type KioskAlert = z.infer<typeof kioskAlertFields>;

export const kioskAlertRequest = kioskAlertFields.extend({
  ...kioskFreshnessFields,
  signature: kioskSignatureSchema(
    'facepay.kiosk-alert.v1',
    'kioskId, alertId, type, occurredAt, failedLooksInARow (decimal), nonce bytes and timestamp string',
  ),
});
export type KioskAlertRequest = z.infer<typeof kioskAlertRequest>;

export const kioskAlertSchema = z.object({
  alertId: z.string(),
  kioskId: z.string(),
  type: z.enum(kioskAlertTypes),
  occurredAt: z.string(),
  failedLooksInARow: z.number().int(),
  receivedAt: z.string().meta({ description: "the hub's clock when it recorded the alert" }),
});
export type KioskAlertView = z.infer<typeof kioskAlertSchema>;
