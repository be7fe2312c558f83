// Row <-> record mapping for registered kiosks in SQLite; keys are BLOBs of their exact length.
import { assert } from '../../../shared/assert.ts';
import type { KioskRecord } from '../kiosk-records.ts';

export interface KioskRow {
  id: string;
  name: string;
  client_id: string;
  signing_public_key: Buffer;
  box_public_key: Buffer;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

export function kioskFromRow(row: KioskRow): KioskRecord {
  assert(row.signing_public_key.length === 32, 'a stored signing key is 32 bytes');
  assert(row.box_public_key.length === 32, 'a stored box key is 32 bytes');
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    signingPublicKey: new Uint8Array(row.signing_public_key),
    boxPublicKey: new Uint8Array(row.box_public_key),
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

export function kioskToParams(kiosk: KioskRecord): Record<string, unknown> {
  assert(kiosk.signingPublicKey.length === 32, 'a signing key is 32 bytes');
  assert(kiosk.boxPublicKey.length === 32, 'a box key is 32 bytes');
  return {
    id: kiosk.id,
    name: kiosk.name,
    client_id: kiosk.clientId,
    signing_public_key: Buffer.from(kiosk.signingPublicKey),
    box_public_key: Buffer.from(kiosk.boxPublicKey),
    created_by: kiosk.createdBy,
    created_at: kiosk.createdAt,
    revoked_at: kiosk.revokedAt,
    revoked_by: kiosk.revokedBy,
  };
}
