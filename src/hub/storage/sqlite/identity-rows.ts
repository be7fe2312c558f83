// Row <-> record mapping for persons, templates and payment authorizations in SQLite.
import { assert } from '../../../shared/assert.ts';
import { isMemberNumber } from '../../../shared/member-number.ts';
import { yen } from '../../../shared/money.ts';
import type {
  GuardianConsentRecord,
  IdentificationRecord,
  PaymentAuthorizationRecord,
  PersonRecord,
  TemplateRecord,
} from '../identity-records.ts';

export interface PersonRow {
  id: string;
  display_name: string;
  date_of_birth: string;
  account_id: string;
  id_document_type: string;
  id_document_number_hash: string;
  id_document_verified_by: string;
  guardian_person_id: string | null;
  require_pin: number;
  pin_verifier: string;
  pin_failures: number;
  /** NULL only before migration 6 assigned it; a trigger refuses NULL on every later write. */
  member_number: string | null;
  /** The three consent_* columns are all NULL (no consent given, or enrolled before migration 13) or all set. */
  consent_version: string | null;
  consent_language: string | null;
  consent_at: number | null;
  created_by: string;
  created_at: number;
}

export function personFromRow(row: PersonRow): PersonRecord {
  const memberNumber = row.member_number;
  assert(
    memberNumber !== null && isMemberNumber(memberNumber),
    `person ${row.id} has a valid member number`,
  );
  return {
    id: row.id,
    displayName: row.display_name,
    dateOfBirth: row.date_of_birth,
    accountId: row.account_id,
    idDocument: {
      type: row.id_document_type,
      numberHash: row.id_document_number_hash,
      verifiedBy: row.id_document_verified_by,
    },
    guardianPersonId: row.guardian_person_id,
    requirePin: row.require_pin === 1,
    pinVerifier: row.pin_verifier,
    pinFailures: row.pin_failures,
    memberNumber,
    consent: consentFromRow(row),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function consentFromRow(row: PersonRow): PersonRecord['consent'] {
  const { consent_version: version, consent_language: language, consent_at: at } = row;
  if (version === null && language === null && at === null) return null;
  assert(
    version !== null && at !== null && (language === 'ja' || language === 'en'),
    `person ${row.id}: a consent has its version, language and time`,
  );
  return { version, language, at };
}

export function personToParams(person: PersonRecord): Record<string, unknown> {
  return {
    id: person.id,
    display_name: person.displayName,
    date_of_birth: person.dateOfBirth,
    account_id: person.accountId,
    id_document_type: person.idDocument.type,
    id_document_number_hash: person.idDocument.numberHash,
    id_document_verified_by: person.idDocument.verifiedBy,
    guardian_person_id: person.guardianPersonId,
    require_pin: person.requirePin ? 1 : 0,
    pin_verifier: person.pinVerifier,
    pin_failures: person.pinFailures,
    member_number: person.memberNumber,
    consent_version: person.consent?.version ?? null,
    consent_language: person.consent?.language ?? null,
    consent_at: person.consent?.at ?? null,
    created_by: person.createdBy,
    created_at: person.createdAt,
  };
}

export interface TemplateRow {
  id: string;
  person_id: string;
  model_id: string;
  transform_key_id: string;
  sealed: Buffer;
  created_at: number;
}

export function templateFromRow(row: TemplateRow): TemplateRecord {
  return {
    id: row.id,
    personId: row.person_id,
    modelId: row.model_id,
    transformKeyId: row.transform_key_id,
    sealed: new Uint8Array(row.sealed),
    createdAt: row.created_at,
  };
}

export interface AuthorizationRow {
  token_hash: Buffer;
  person_id: string;
  account_id: string;
  payee: string;
  max_amount: number;
  expires_at: number;
  used_at: number | null;
  created_by: string;
  created_at: number;
  purpose: string;
  standing_period_seconds: number | null;
  standing_expires_in_seconds: number | null;
}

export function authorizationFromRow(row: AuthorizationRow): PaymentAuthorizationRecord {
  assert(row.purpose === 'payment' || row.purpose === 'standing_limit', 'authorization purpose');
  const standing = row.purpose === 'standing_limit';
  assert(
    standing === (row.standing_period_seconds !== null && row.standing_expires_in_seconds !== null),
    'a standing-limit authorization, and only one, carries its terms',
  );
  return {
    tokenHash: new Uint8Array(row.token_hash),
    personId: row.person_id,
    accountId: row.account_id,
    payee: row.payee,
    maxAmount: yen(row.max_amount),
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    purpose: row.purpose,
    standingTerms:
      row.standing_period_seconds === null || row.standing_expires_in_seconds === null
        ? null
        : {
            periodSeconds: row.standing_period_seconds,
            expiresInSeconds: row.standing_expires_in_seconds,
          },
  };
}

/** The named parameters of an INSERT INTO payment_authorizations. */
export function authorizationToParams(a: PaymentAuthorizationRecord): Record<string, unknown> {
  const { standingTerms, ...rest } = a;
  return {
    ...rest,
    tokenHash: Buffer.from(a.tokenHash),
    standingPeriodSeconds: standingTerms?.periodSeconds ?? null,
    standingExpiresInSeconds: standingTerms?.expiresInSeconds ?? null,
  };
}

export interface IdentificationRow {
  client_id: string;
  payee: string;
  amount: number;
  person_ids: string;
  at: number;
  purpose: string;
}

export function identificationFromRow(row: IdentificationRow): IdentificationRecord {
  assert(row.purpose === 'payment' || row.purpose === 'standing_limit', 'identification purpose');
  const personIds = JSON.parse(row.person_ids) as unknown;
  assert(
    Array.isArray(personIds) && personIds.every((id) => typeof id === 'string'),
    'identification person ids',
  );
  return {
    clientId: row.client_id,
    payee: row.payee,
    amount: row.amount,
    personIds: personIds as string[],
    at: row.at,
    purpose: row.purpose,
  };
}

/** The named parameters of an upsert into identifications. */
export function identificationToParams(i: IdentificationRecord): Record<string, unknown> {
  return {
    client_id: i.clientId,
    payee: i.payee,
    amount: i.amount,
    person_ids: JSON.stringify(i.personIds),
    at: i.at,
    purpose: i.purpose,
  };
}

export interface GuardianConsentRow {
  token_hash: Buffer;
  guardian_person_id: string;
  child_account_id: string;
  limits: string;
  blocked_categories: string;
  expires_at: number;
  used_at: number | null;
  created_by: string;
  created_at: number;
}

/** Columns of guardian_consents in the order guardianConsentToParams gives them (both adapters). */
export const guardianConsentColumns = [
  'token_hash',
  'guardian_person_id',
  'child_account_id',
  'limits',
  'blocked_categories',
  'expires_at',
  'used_at',
  'created_by',
  'created_at',
] as const;

export function guardianConsentFromRow(row: GuardianConsentRow): GuardianConsentRecord {
  return {
    tokenHash: new Uint8Array(row.token_hash),
    guardianPersonId: row.guardian_person_id,
    childAccountId: row.child_account_id,
    limits: JSON.parse(row.limits) as GuardianConsentRecord['limits'],
    blockedCategories: JSON.parse(row.blocked_categories) as string[],
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export function guardianConsentToParams(c: GuardianConsentRecord): Record<string, unknown> {
  return {
    token_hash: Buffer.from(c.tokenHash),
    guardian_person_id: c.guardianPersonId,
    child_account_id: c.childAccountId,
    limits: JSON.stringify(c.limits),
    blocked_categories: JSON.stringify(c.blockedCategories),
    expires_at: c.expiresAt,
    used_at: c.usedAt,
    created_by: c.createdBy,
    created_at: c.createdAt,
  };
}
