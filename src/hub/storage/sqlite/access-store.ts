// Access in SQLite: API clients (token hashes, roles) and registered kiosk devices (public keys).
// Both are revoked by setting revoked_at once and never deleted, so the audit log's actors stay named.
import type Database from 'better-sqlite3';
import { assert } from '../../../shared/assert.ts';
import {
  kioskAlertKindsSql,
  type AccessWriter,
  type ClientReader,
  type KioskReader,
} from '../port.ts';
import type { AuditRecord, ClientRecord } from '../records.ts';
import type { KioskRecord } from '../kiosk-records.ts';
import { kioskFromRow, kioskToParams, type KioskRow } from './kiosk-rows.ts';
import { auditFromRow, clientFromRow, type AuditRow, type ClientRow } from './rows.ts';
import type { ClientTokenCache } from './client-token-cache.ts';

export class SqliteAccessReads implements ClientReader, KioskReader {
  private readonly accessQ;
  /**
   * `tokens`: on the committed-state reader only, bearer tokens answered from memory; never on the
   * writer, whose reads see its open transaction.
   */
  constructor(
    db: Database.Database,
    private readonly tokens?: ClientTokenCache,
  ) {
    this.accessQ = {
      clientByToken: db.prepare<[Buffer], ClientRow>('SELECT * FROM clients WHERE token_hash = ?'),
      client: db.prepare<[string], ClientRow>('SELECT * FROM clients WHERE id = ?'),
      kiosk: db.prepare<[string], KioskRow>('SELECT * FROM kiosks WHERE id = ?'),
      kioskByKey: db.prepare<[Buffer, Buffer], KioskRow>(
        'SELECT * FROM kiosks WHERE signing_public_key = ? OR box_public_key = ?',
      ),
      countKiosks: db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM kiosks WHERE client_id = ?',
      ),
      // The kinds as literals and the same expression, exactly as the partial indexes of migration 19.
      kioskAlert: db.prepare<[string, string], AuditRow>(
        `SELECT * FROM audit_log WHERE kind IN (${kioskAlertKindsSql}) AND subject = ? AND json_extract(data, '$.alertId') = ?`,
      ),
      kioskAlerts: db.prepare<[string, number, number], AuditRow>(
        `SELECT * FROM audit_log WHERE kind IN (${kioskAlertKindsSql}) AND subject = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
    };
  }

  async findClientByTokenHash(tokenHash: Uint8Array): Promise<ClientRecord | undefined> {
    if (this.tokens === undefined) return this.readClientByTokenHash(tokenHash);
    return this.tokens.find(tokenHash, (hash) => this.readClientByTokenHash(hash));
  }
  private readClientByTokenHash(tokenHash: Uint8Array): ClientRecord | undefined {
    const row = this.accessQ.clientByToken.get(Buffer.from(tokenHash));
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getClient(id: string): Promise<ClientRecord | undefined> {
    const row = this.accessQ.client.get(id);
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = this.accessQ.kiosk.get(id);
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async findKioskByPublicKey(key: Uint8Array): Promise<KioskRecord | undefined> {
    const row = this.accessQ.kioskByKey.get(Buffer.from(key), Buffer.from(key));
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async countKiosksOfClient(clientId: string): Promise<number> {
    return this.accessQ.countKiosks.get(clientId)?.n ?? 0;
  }
  async findKioskAlert(kioskId: string, alertId: string): Promise<AuditRecord | undefined> {
    const row = this.accessQ.kioskAlert.get(kioskId, alertId);
    return row === undefined ? undefined : auditFromRow(row);
  }
  async listKioskAlerts(
    kioskId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<AuditRecord[]> {
    return this.accessQ.kioskAlerts
      .all(kioskId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit)
      .map(auditFromRow);
  }
}

export class SqliteAccessWrites extends SqliteAccessReads implements AccessWriter {
  private readonly accessW;
  /** `clientChanged`: told of every write to a client (the token cache empties at the commit). */
  constructor(
    db: Database.Database,
    private readonly clientChanged: () => void,
  ) {
    super(db);
    this.accessW = {
      insertClient: db.prepare(
        `INSERT INTO clients (id, name, role, merchant_id, event_types, token_hash, created_at,
           revoked_at)
         VALUES (@id, @name, @role, @merchantId, @eventTypes, @tokenHash, @createdAt, @revokedAt)`,
      ),
      revokeClient: db.prepare<[number, string, string]>(
        'UPDATE clients SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      replaceClientToken: db.prepare<[Buffer, string]>(
        'UPDATE clients SET token_hash = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      insertKiosk: db.prepare(
        `INSERT INTO kiosks (id, name, client_id, signing_public_key, box_public_key, created_by,
           created_at, revoked_at, revoked_by)
         VALUES (@id, @name, @client_id, @signing_public_key, @box_public_key, @created_by,
           @created_at, @revoked_at, @revoked_by)`,
      ),
      revokeKiosk: db.prepare<[number, string, string]>(
        'UPDATE kiosks SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      ),
    };
  }

  async insertClient(client: ClientRecord): Promise<void> {
    this.clientChanged();
    this.accessW.insertClient.run({
      ...client,
      eventTypes: JSON.stringify(client.eventTypes),
      tokenHash: Buffer.from(client.tokenHash),
    });
  }
  async revokeClient(id: string, at: number, by: string): Promise<void> {
    this.clientChanged();
    const changed = this.accessW.revokeClient.run(at, by, id).changes;
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async replaceClientToken(id: string, tokenHash: Uint8Array): Promise<void> {
    this.clientChanged();
    const changed = this.accessW.replaceClientToken.run(Buffer.from(tokenHash), id).changes;
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async insertKiosk(kiosk: KioskRecord): Promise<void> {
    this.accessW.insertKiosk.run(kioskToParams(kiosk));
  }
  async revokeKiosk(id: string, at: number, by: string): Promise<void> {
    const changed = this.accessW.revokeKiosk.run(at, by, id).changes;
    assert(changed === 1, `kiosk ${id} exists and is active`);
  }
}
