// Stored records of the identity side of the hub: persons, their sealed templates, and the
// single-use payment authorizations. Templates are only ever stored sealed (see protect/template-seal).
import type { AccountLimits } from '../../shared/hub-api.ts';
import type { Yen } from '../../shared/money.ts';

export interface PersonRecord {
  id: string;
  displayName: string;
  /** Verified date of birth, YYYY-MM-DD. */
  dateOfBirth: string;
  accountId: string;
  idDocument: { type: string; numberHash: string; verifiedBy: string };
  guardianPersonId: string | null;
  requirePin: boolean;
  /** Argon2id verifier string; never the PIN. */
  pinVerifier: string;
  pinFailures: number;
  /** Hub-assigned, 10 digits with a Damm check digit; never issued twice, even after erasure. */
  memberNumber: string;
  /** The consent text the person agreed to at enrolment (version, language) and when; null: not given. */
  consent: PersonConsent | null;
  createdBy: string;
  createdAt: number;
}

export interface PersonConsent {
  version: string;
  language: 'ja' | 'en';
  at: number;
}

/**
 * A guardian's consent, by face and PIN at an enrolment client, to one child's enrolment on
 * `childAccountId` with these limits: spent once by that client's enrolment, or lapsed at expiresAt.
 */
export interface GuardianConsentRecord {
  tokenHash: Uint8Array;
  guardianPersonId: string;
  childAccountId: string;
  limits: AccountLimits;
  blockedCategories: string[];
  expiresAt: number;
  usedAt: number | null;
  createdBy: string;
  createdAt: number;
}

export interface TemplateRecord {
  id: string;
  personId: string;
  modelId: string;
  transformKeyId: string;
  sealed: Uint8Array;
  createdAt: number;
}

export interface PaymentAuthorizationRecord {
  tokenHash: Uint8Array;
  personId: string;
  accountId: string;
  payee: string;
  maxAmount: Yen;
  expiresAt: number;
  usedAt: number | null;
  createdBy: string;
  createdAt: number;
  /** What the person consented to: one payment, or a standing limit within `standingTerms`. */
  purpose: AuthorizationPurpose;
  /** For a standing limit: the shortest period and longest lifetime the person agreed to. */
  standingTerms: StandingLimitTerms | null;
}

export type AuthorizationPurpose = 'payment' | 'standing_limit';

export interface StandingLimitTerms {
  periodSeconds: number;
  expiresInSeconds: number;
}

/** A request nonce the hub accepted: `envelope` (a sealed probe or PIN) or `kiosk_request` (signed). */
export interface ReplayNonceRecord {
  purpose: 'envelope' | 'kiosk_request';
  nonce: Uint8Array;
  seenAt: number;
  /** When the request it came with can no longer pass the freshness check: the row may go then. */
  expiresAt: number;
}

/**
 * A till's latest face identification: verify-pin accepts a PIN only for a person this client just
 * identified for this payee, up to this amount, for this purpose. One per client, kept in the database
 * so the PIN may reach another hub instance than the face did.
 */
export interface IdentificationRecord {
  clientId: string;
  payee: string;
  amount: number;
  personIds: string[];
  at: number;
  purpose: AuthorizationPurpose;
}
