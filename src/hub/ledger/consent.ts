// Standing limits: the payer's standing consent to a payee's holds. Who may grant one (admin, a merchant
// payer's own client, a person only by face + PIN), revocation and replacement, and the period check.
import { assert } from '../../shared/assert.ts';
import { addYen, type Yen } from '../../shared/money.ts';
import type { CreateStandingLimitRequest } from '../../shared/hub-api.ts';
import type { StoreTx } from '../storage/port.ts';
import type { ClientRecord, StandingLimitRecord } from '../storage/records.ts';
import { refuse } from '../errors.ts';
import { newId } from '../ids.ts';

/** The standing limit a person's consent must cover, and when it is presented. */
export interface StandingConsentTerms {
  payer: string;
  payee: string;
  amountPerPeriod: Yen;
  periodSeconds: number;
  expiresInSeconds: number;
  at: number;
}

/** A person's face + PIN consent to a standing limit, checked and spent by the identity module. */
export interface StandingConsents {
  consumeStandingConsent(
    tx: StoreTx,
    token: string,
    bound: StandingConsentTerms,
  ): Promise<'ok' | 'invalid'>;
}

/** Admin, or the payer's own merchant client: they list and revoke the payer's standing limits. */
export function canManageStandingLimits(client: ClientRecord, payer: string): boolean {
  return client.role === 'admin' || (client.role === 'merchant' && client.merchantId === payer);
}

/**
 * A standing limit is the payer's consent. Admin may record it; a merchant or escrow payer grants it
 * with its own merchant client; a person only by face + PIN: the single-use standing-limit
 * authorization verify-pin gave, presented by the person's own app or by the payee's till. Event
 * sources only send events. Refuses before anything is written.
 */
async function checkGrant(
  tx: StoreTx,
  consents: StandingConsents,
  caller: ClientRecord,
  request: CreateStandingLimitRequest & { at: number },
): Promise<void> {
  if (caller.role === 'admin') return;
  const party = caller.merchantId === request.payer || caller.merchantId === request.payee;
  if (caller.role !== 'merchant' || !party) {
    refuse('forbidden', 'only admin, or the payer giving its consent, grants a standing limit');
  }
  const payer = await tx.getAccount(request.payer);
  assert(payer !== undefined, 'payer checked before');
  if (payer.kind !== 'person') {
    if (caller.merchantId !== request.payer) {
      refuse('forbidden', "only the payer's own client (or admin) grants a standing limit on it");
    }
    return;
  }
  if (request.authorization === undefined) {
    refuse(
      'authorization_required',
      'a person grants a standing limit by face and PIN: identify with purpose standing_limit, then verify-pin with standingLimit',
    );
  }
  const verdict = await consents.consumeStandingConsent(tx, request.authorization, {
    payer: request.payer,
    payee: request.payee,
    amountPerPeriod: request.amountPerPeriod as Yen,
    periodSeconds: request.periodSeconds,
    expiresInSeconds: request.expiresInSeconds,
    at: request.at,
  });
  if (verdict !== 'ok') {
    refuse(
      'authorization_invalid',
      'the authorization is unknown, used, expired, not for a standing limit or for other terms',
    );
  }
}

/** Records a standing limit; a newer limit for the same payer and payee revokes the older ones. */
export async function grantStandingLimit(
  tx: StoreTx,
  consents: StandingConsents,
  caller: ClientRecord,
  request: CreateStandingLimitRequest & { at: number },
): Promise<StandingLimitRecord> {
  if (request.payer === request.payee) refuse('invalid_request', 'payer and payee must differ');
  for (const [id, role] of [
    [request.payer, 'payer'],
    [request.payee, 'payee'],
  ] as const) {
    const account = await tx.getAccount(id);
    if (account === undefined || account.kind === 'issuer')
      refuse('not_found', `${role} account ${id} not found`);
  }
  await checkGrant(tx, consents, caller, request);
  const { at } = request;
  for (const older of await tx.unrevokedStandingLimitIds(request.payer, request.payee)) {
    await revoke(tx, { id: older, actor: caller.id, at, reason: 'replaced' });
  }
  const limit: StandingLimitRecord = {
    id: newId('lim'),
    payer: request.payer,
    payee: request.payee,
    amountPerPeriod: request.amountPerPeriod as Yen,
    periodSeconds: request.periodSeconds,
    expiresAt: at + request.expiresInSeconds * 1000,
    createdBy: caller.id,
    createdAt: at,
    revokedAt: null,
    revokedBy: null,
  };
  await tx.insertStandingLimit(limit);
  await tx.appendAudit({
    at,
    kind: 'standing_limit.created',
    subject: limit.id,
    actor: caller.id,
    data: {
      payer: limit.payer,
      payee: limit.payee,
      amountPerPeriod: limit.amountPerPeriod,
      periodSeconds: limit.periodSeconds,
      consent: consentKind(caller, request),
    },
  });
  return limit;
}

function consentKind(
  caller: ClientRecord,
  request: CreateStandingLimitRequest,
): 'admin' | 'payer_client' | 'face_pin' {
  if (caller.role === 'admin') return 'admin';
  return request.authorization === undefined ? 'payer_client' : 'face_pin';
}

/** The payer (or admin) revokes at once; revoking a revoked limit changes nothing. */
export async function revokeStandingLimit(
  tx: StoreTx,
  caller: ClientRecord,
  id: string,
  at: number,
): Promise<void> {
  const limit = await tx.getStandingLimit(id);
  if (limit === undefined || !canManageStandingLimits(caller, limit.payer)) {
    refuse('not_found', `standing limit ${id} not found`);
  }
  if (limit.revokedAt !== null) return;
  await revoke(tx, { id, actor: caller.id, at, reason: 'revoked' });
}

/**
 * An erased person's consent goes with them: every standing limit their account still grants (expired
 * ones included) is revoked in the erasure's transaction, audited with reason `person_erased`. Their
 * holds stay as they are and settle or refund as before.
 */
export async function revokeStandingLimitsOfErased(
  tx: StoreTx,
  payer: string,
  actor: string,
  at: number,
): Promise<number> {
  const standing: string[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await tx.listStandingLimits(payer, before, 100);
    for (const limit of page.limits) if (limit.revokedAt === null) standing.push(limit.id);
    if (page.limits.length < 100) break;
    before = page.seqs[page.seqs.length - 1];
  }
  for (const id of standing) await revoke(tx, { id, actor, at, reason: 'person_erased' });
  return standing.length;
}

async function revoke(
  tx: StoreTx,
  revocation: {
    id: string;
    actor: string;
    at: number;
    reason: 'revoked' | 'replaced' | 'person_erased';
  },
): Promise<void> {
  await tx.revokeStandingLimit(revocation.id, revocation.at, revocation.actor);
  await tx.appendAudit({
    at: revocation.at,
    kind: 'standing_limit.revoked',
    subject: revocation.id,
    actor: revocation.actor,
    data: { reason: revocation.reason },
  });
}

/**
 * Whether the payer's live standing limit for this payee lets `amount` more be committed now: none is
 * `403 authorization_required`, over its amount per period `422 limit_exceeded`.
 */
export async function checkStandingLimit(
  tx: StoreTx,
  commit: { payer: string; payee: string; amount: Yen; at: number },
): Promise<void> {
  const standing = await tx.findStandingLimit(commit.payer, commit.payee, commit.at);
  if (standing === undefined) {
    refuse(
      'authorization_required',
      "debiting this account needs the payer's authorization or standing limit",
    );
  }
  const committed = await tx.payerCommittedSince(
    commit.payer,
    commit.at - standing.periodSeconds * 1000,
    commit.payee,
  );
  if (addYen(committed, commit.amount) > standing.amountPerPeriod) {
    refuse(
      'limit_exceeded',
      `over the payer's standing limit of ${standing.amountPerPeriod} per ${standing.periodSeconds} s`,
    );
  }
}
