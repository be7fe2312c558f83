// Access in PostgreSQL: API clients (token hashes, roles) and registered kiosk devices (public keys).
// Both are revoked by setting revoked_at once and never deleted, so the audit log's actors stay named.
import { assert } from '../../../shared/assert.ts';
import {
  kioskAlertKindsSql,
  type AccessWriter,
  type ClientReader,
  type KioskReader,
} from '../port.ts';
import type { AuditRecord, ClientRecord } from '../records.ts';
import type { KioskRecord } from '../kiosk-records.ts';
import { kioskFromRow, kioskToParams, type KioskRow } from '../sqlite/kiosk-rows.ts';
import { auditFromRow, clientFromRow, type AuditRow, type ClientRow } from '../sqlite/rows.ts';
import { changes, insertStatement, one, rows, valuesOf, type Queryable } from './queries.ts';

const kioskColumns = [
  'id',
  'name',
  'client_id',
  'signing_public_key',
  'box_public_key',
  'created_by',
  'created_at',
  'revoked_at',
  'revoked_by',
];

export class PgAccessReads implements ClientReader, KioskReader {
  constructor(protected readonly db: Queryable) {}

  async findClientByTokenHash(tokenHash: Uint8Array): Promise<ClientRecord | undefined> {
    const row = await one<ClientRow>(
      this.db,
      'clientByToken',
      'SELECT * FROM clients WHERE token_hash = $1',
      [Buffer.from(tokenHash)],
    );
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getClient(id: string): Promise<ClientRecord | undefined> {
    const row = await one<ClientRow>(this.db, 'client', 'SELECT * FROM clients WHERE id = $1', [
      id,
    ]);
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = await one<KioskRow>(this.db, 'kiosk', 'SELECT * FROM kiosks WHERE id = $1', [id]);
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async findKioskByPublicKey(key: Uint8Array): Promise<KioskRecord | undefined> {
    const row = await one<KioskRow>(
      this.db,
      'kioskByKey',
      'SELECT * FROM kiosks WHERE signing_public_key = $1 OR box_public_key = $1',
      [Buffer.from(key)],
    );
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async countKiosksOfClient(clientId: string): Promise<number> {
    const row = await one<{ n: number }>(
      this.db,
      'countKiosks',
      'SELECT COUNT(*)::bigint AS n FROM kiosks WHERE client_id = $1',
      [clientId],
    );
    return row?.n ?? 0;
  }
  // The kinds as literals and the same expression, exactly as the partial indexes of migration 9.
  async findKioskAlert(kioskId: string, alertId: string): Promise<AuditRecord | undefined> {
    const row = await one<AuditRow>(
      this.db,
      'kioskAlert',
      `SELECT * FROM audit_log WHERE kind IN (${kioskAlertKindsSql}) AND subject = $1 AND ((data::jsonb) ->> 'alertId') = $2`,
      [kioskId, alertId],
    );
    return row === undefined ? undefined : auditFromRow(row);
  }
  async listKioskAlerts(
    kioskId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<AuditRecord[]> {
    const found = await rows<AuditRow>(
      this.db,
      'kioskAlerts',
      `SELECT * FROM audit_log WHERE kind IN (${kioskAlertKindsSql}) AND subject = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [kioskId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return found.map(auditFromRow);
  }
}

export class PgAccessWrites extends PgAccessReads implements AccessWriter {
  async insertClient(client: ClientRecord): Promise<void> {
    await changes(
      this.db,
      'insertClient',
      `INSERT INTO clients (id, name, role, merchant_id, event_types, token_hash, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        client.id,
        client.name,
        client.role,
        client.merchantId,
        JSON.stringify(client.eventTypes),
        Buffer.from(client.tokenHash),
        client.createdAt,
        client.revokedAt,
      ],
    );
  }
  async revokeClient(id: string, at: number, by: string): Promise<void> {
    const changed = await changes(
      this.db,
      'revokeClient',
      'UPDATE clients SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL',
      [at, by, id],
    );
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async replaceClientToken(id: string, tokenHash: Uint8Array): Promise<void> {
    const changed = await changes(
      this.db,
      'replaceClientToken',
      'UPDATE clients SET token_hash = $1 WHERE id = $2 AND revoked_at IS NULL',
      [Buffer.from(tokenHash), id],
    );
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async insertKiosk(kiosk: KioskRecord): Promise<void> {
    await changes(
      this.db,
      'insertKiosk',
      insertStatement('kiosks', kioskColumns),
      valuesOf(kioskToParams(kiosk), kioskColumns),
    );
  }
  async revokeKiosk(id: string, at: number, by: string): Promise<void> {
    const changed = await changes(
      this.db,
      'revokeKiosk',
      'UPDATE kiosks SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL',
      [at, by, id],
    );
    assert(changed === 1, `kiosk ${id} exists and is active`);
  }
}
