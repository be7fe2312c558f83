// Which enrolment organisation may act on what: the admin assigns a person account to one enrolment
// client, which alone may enrol a person on it; a person belongs to the client that enrolled them.
import { createHash, timingSafeEqual } from 'node:crypto';
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
