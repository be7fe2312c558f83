// Which enrolment organisation may act on what: the admin assigns a person account to one enrolment
// client, which alone may enrol a person on it; a person belongs to the client that enrolled them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { assert } from '../../shared/assert.ts';
import { refuse } from '../errors.ts';
import type { IdentityReader, StoreTx } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { PersonRecord } from '../storage/identity-records.ts';

/** Admin, or the enrolment client that enrolled the person: read, add faces, erase, unlock. */
export function requirePersonOwner(caller: ClientRecord, person: PersonRecord): void {
  if (ownsPerson(caller, person)) return;
  refuse('forbidden', 'this person was enrolled by another enrolment organisation');
}

/** Admin, or the enrolment client that enrolled this person: who may read, erase or unlock them. */
export function ownsPerson(caller: ClientRecord, person: PersonRecord): boolean {
  return caller.role === 'admin' || caller.id === person.createdBy;
}

/** Admin, or the enrolment client the admin assigned this person account to. */
export async function requireAccountEnroller(
  reader: IdentityReader,
  caller: ClientRecord,
  accountId: string,
): Promise<void> {
  if (caller.role === 'admin') return;
  if ((await reader.getAccountEnrollmentClient(accountId)) === caller.id) return;
  refuse('forbidden', 'the admin has not assigned this person account to this enrolment client');
}

/** The admin hands a person account nobody is enrolled on to one enrolment client; audited. */
export async function assignEnrollmentClient(options: {
  tx: StoreTx;
  caller: ClientRecord;
  accountId: string;
  clientId: string;
  at: number;
}): Promise<{ accountId: string; enrollmentClientId: string }> {
  const { tx, accountId, clientId } = options;
  const account = await tx.getAccount(accountId);
  if (account === undefined) refuse('not_found', `account ${accountId} not found`);
  if (account.kind !== 'person') refuse('invalid_request', 'only a person account has persons');
  const client = await tx.getClient(clientId);
  if (client === undefined || client.role !== 'enrollment' || client.revokedAt !== null) {
    refuse('invalid_request', 'clientId must name an active enrollment client');
  }
  const enrolled = await tx.findPersonByAccount(accountId);
  if (enrolled !== undefined && enrolled.createdBy !== clientId) {
    refuse('duplicate_enrolment', 'a person of another enrolment client is enrolled on it');
  }
  await tx.setAccountEnrollmentClient(accountId, clientId);
  await tx.appendAudit({
    at: options.at,
    kind: 'account.enrollment_client_assigned',
    subject: accountId,
    actor: options.caller.id,
    data: { enrollmentClientId: clientId },
  });
  return { accountId, enrollmentClientId: clientId };
}

/**
 * The admin hands a revoked enrolment client's persons and person accounts to the active enrolment
 * client that replaces it (a lost station's new client), so the organisation can erase and unlock the
 * people its old station enrolled. In the caller's one transaction; each person and account moved is
 * audited. Only a revoked client: an active one could enrol again after the move and split its people.
 */
export async function transferEnrollments(options: {
  tx: StoreTx;
  caller: ClientRecord;
  from: string;
  to: string;
  at: number;
}): Promise<{ from: string; to: string; moved: { persons: number; accounts: number } }> {
  const { tx, from, to } = options;
  await requireTransferClients(tx, from, to);
  assert(from !== to, 'a revoked client and an active one are two clients');
  const moved = await tx.moveEnrollments(from, to);
  const subjects = [
    ...moved.personIds.map((id) => ({ id, kind: 'person.enrollment_client_moved' })),
    ...moved.accountIds.map((id) => ({ id, kind: 'account.enrollment_client_moved' })),
  ];
  for (const subject of subjects) {
    await tx.appendAudit({
      at: options.at,
      kind: subject.kind,
      subject: subject.id,
      actor: options.caller.id,
      data: { from, to },
    });
  }
  return {
    from,
    to,
    moved: { persons: moved.personIds.length, accounts: moved.accountIds.length },
  };
}

/** `from` a revoked enrollment client, `to` an active one; both known (404 otherwise). */
async function requireTransferClients(tx: StoreTx, from: string, to: string): Promise<void> {
  const source = await tx.getClient(from);
  if (source === undefined) refuse('not_found', `client ${from} not found`);
  const target = await tx.getClient(to);
  if (target === undefined) refuse('not_found', `client ${to} not found`);
  if (source.role !== 'enrollment')
    refuse('invalid_request', `client ${from} is not an enrollment client`);
  if (target.role !== 'enrollment')
    refuse('invalid_request', `client ${to} (to) is not an enrollment client`);
  if (source.revokedAt === null)
    refuse('client_not_revoked', `revoke client ${from} first: its token could enrol again`);
  if (target.revokedAt !== null) refuse('client_revoked', `client ${to} (to) was revoked`);
}

/**
 * Whether the officer's document is the one enrolled: same type and same keyed number hash, compared
 * in constant time (digests of equal length, so neither the hash nor its length leaks by timing).
 */
export function idDocumentMatches(
  enrolled: PersonRecord['idDocument'],
  presented: { type: string; numberHash: string },
): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  const sameHash = timingSafeEqual(digest(enrolled.numberHash), digest(presented.numberHash));
  return sameHash && enrolled.type === presented.type;
}
