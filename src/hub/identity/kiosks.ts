// The kiosk registry: an admin registers a kiosk's public keys for one merchant (or enrollment) client
// and revokes it; every change is audited. Revoked kiosks keep their rows (see migration v5).
import { assert } from '../../shared/assert.ts';
import { kiosksPerClientMax } from '../../shared/limits.ts';
import type { KioskView, RegisterKioskRequest } from '../../shared/hub-api.ts';
import { sodium } from '../../biometrics/protect/sodium.ts';
import { isoTime } from '../clock.ts';
import { refuse } from '../errors.ts';
import { newId } from '../ids.ts';
import type { StoreTx } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { KioskRecord } from '../storage/kiosk-records.ts';
import { fromBase64, toBase64 } from './base64.ts';

const publicKeyBytes = 32;
/** The client roles that run kiosks: tills identify payers, enrolment stations capture templates. */
const kioskRoles: ReadonlySet<string> = new Set(['merchant', 'enrollment']);

export function kioskView(kiosk: KioskRecord): KioskView {
  return {
    id: kiosk.id,
    name: kiosk.name,
    clientId: kiosk.clientId,
    signingPublicKey: toBase64(kiosk.signingPublicKey),
    boxPublicKey: toBase64(kiosk.boxPublicKey),
    createdAt: isoTime(kiosk.createdAt),
    revokedAt: kiosk.revokedAt === null ? null : isoTime(kiosk.revokedAt),
  };
}

/** A 32-byte public key from base64; an Ed25519 key must also be a point on the curve. */
function publicKey(value: string, what: string, ed25519: boolean): Uint8Array {
  const key = fromBase64(value, what);
  if (key.length !== publicKeyBytes) refuse('invalid_request', `${what} must be 32 bytes`);
  if (ed25519) {
    try {
      sodium.crypto_sign_ed25519_pk_to_curve25519(key);
    } catch {
      refuse('invalid_request', `${what} is not an Ed25519 public key`);
    }
  }
  return key;
}

export async function registerKiosk(options: {
  tx: StoreTx;
  caller: ClientRecord;
  request: RegisterKioskRequest;
  at: number;
}): Promise<KioskRecord> {
  const { tx, caller, request, at } = options;
  const signingPublicKey = publicKey(request.signingPublicKey, 'signingPublicKey', true);
  const boxPublicKey = publicKey(request.boxPublicKey, 'boxPublicKey', false);
  if (sodium.memcmp(signingPublicKey, boxPublicKey))
    refuse('invalid_request', 'the signing and box keys must differ');
  const client = await tx.getClient(request.clientId);
  if (client === undefined) refuse('not_found', `client ${request.clientId} not found`);
  if (!kioskRoles.has(client.role))
    refuse('invalid_request', 'a kiosk belongs to a merchant or enrollment client');
  for (const key of [signingPublicKey, boxPublicKey]) {
    if ((await tx.findKioskByPublicKey(key)) !== undefined)
      refuse('kiosk_exists', 'a kiosk with this key is already registered (or was revoked)');
  }
  if ((await tx.countKiosksOfClient(client.id)) >= kiosksPerClientMax)
    refuse('invalid_request', `a client has at most ${kiosksPerClientMax} kiosks`);
  const kiosk: KioskRecord = {
    id: newId('ksk', at),
    name: request.name,
    clientId: client.id,
    signingPublicKey,
    boxPublicKey,
    createdBy: caller.id,
    createdAt: at,
    revokedAt: null,
    revokedBy: null,
  };
  await tx.insertKiosk(kiosk);
  await tx.appendAudit({
    at,
    kind: 'kiosk.registered',
    subject: kiosk.id,
    actor: caller.id,
    data: { clientId: client.id },
  });
  return kiosk;
}

/** Revokes a kiosk at once (its next signed request or attestation is refused); again is a no-op. */
export async function revokeKiosk(options: {
  tx: StoreTx;
  caller: ClientRecord;
  kioskId: string;
  at: number;
}): Promise<KioskRecord> {
  const { tx, caller, kioskId, at } = options;
  const kiosk = await tx.getKiosk(kioskId);
  if (kiosk === undefined) refuse('not_found', `kiosk ${kioskId} not found`);
  if (kiosk.revokedAt !== null) return kiosk;
  await tx.revokeKiosk(kiosk.id, at, caller.id);
  await tx.appendAudit({
    at,
    kind: 'kiosk.revoked',
    subject: kiosk.id,
    actor: caller.id,
    data: { clientId: kiosk.clientId },
  });
  const revoked = await tx.getKiosk(kiosk.id);
  assert(revoked?.revokedAt === at, 'the revocation is recorded');
  return revoked;
}
