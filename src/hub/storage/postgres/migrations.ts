// The PostgreSQL schema as an ordered list of migrations; schema_version records how many ran.
// Same tables, columns and immutability rules as the SQLite schema, so both adapters share row mappers.
import type { PoolClient } from 'pg';
import { genesisHash } from '../../audit/chain.ts';
import {
  kioskAlertKindsSql,
  pinFailureKindsSql,
  personErasedKindSql,
  pinUnlockKindsSql,
  rekeyedKindSql,
} from '../port.ts';
import { issuerAccountId } from '../records.ts';
import { DatabaseTooNewError } from '../sqlite/migrations.ts';

/** Advisory lock key: two instances starting on one database migrate one after the other. */
const migrationLockKey = 0x46_50_4d_47; // 'FPMG'

/** Raises with `message` whenever the statement it guards runs (append-only and immutable tables). */
function refuseTrigger(table: string, when: 'UPDATE' | 'DELETE', message: string): string {
  const name = `${table}_no_${when.toLowerCase()}`;
  return `
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '${message}'; END $$;
    CREATE TRIGGER ${name} BEFORE ${when} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`;
}

export const pgMigrations: ReadonlyArray<(client: PoolClient) => Promise<void>> = [
  async function v1Hub(client) {
    // The SQLite schema at its version 9 in one step (PostgreSQL had no earlier deployments).
    // Money and times are BIGINT (read back as numbers, see pool.ts); JSON stays TEXT so one mapper
    // reads both databases. seq columns give the lists' cursors and newest-first order.
    await client.query(`
      CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
      INSERT INTO schema_version (id, version) VALUES (1, 0);
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('issuer', 'person', 'merchant', 'escrow')),
        name TEXT NOT NULL,
        currency TEXT NOT NULL CHECK (currency = 'JPY'),
        balance BIGINT NOT NULL,
        held BIGINT NOT NULL CHECK (held >= 0),
        limits TEXT NOT NULL,
        blocked_categories TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        enrollment_client_id TEXT,
        CHECK (kind = 'issuer' OR balance >= held)
      );
      CREATE TABLE clients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'merchant', 'event_source', 'enrollment')),
        merchant_id TEXT REFERENCES accounts (id),
        event_types TEXT NOT NULL,
        token_hash BYTEA NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT,
        revoked_by TEXT
      );
      ALTER TABLE accounts ADD FOREIGN KEY (enrollment_client_id) REFERENCES clients (id);
      CREATE FUNCTION clients_revoke_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (NEW.revoked_at IS NULL) <> (NEW.revoked_by IS NULL) OR
             (OLD.revoked_at IS NOT NULL AND
              (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.revoked_by IS DISTINCT FROM OLD.revoked_by))
          THEN RAISE EXCEPTION 'a client is revoked once, with when and by whom'; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER clients_revoke_once BEFORE UPDATE ON clients
        FOR EACH ROW EXECUTE FUNCTION clients_revoke_once();
      ${refuseTrigger('clients', 'DELETE', 'clients are revoked, never deleted')}
      CREATE TABLE holds (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('active', 'settled', 'released', 'expired')),
        payer TEXT NOT NULL REFERENCES accounts (id),
        payee TEXT NOT NULL REFERENCES accounts (id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        settled BIGINT NOT NULL CHECK (settled >= 0 AND settled <= amount),
        refunded BIGINT NOT NULL CHECK (refunded >= 0 AND refunded <= settled),
        reference TEXT NOT NULL,
        category TEXT,
        template TEXT,
        on_expiry TEXT NOT NULL CHECK (on_expiry IN ('release', 'settle')),
        rules TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        scheduled TEXT,
        due_at BIGINT NOT NULL,
        authorized_max BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        version INTEGER NOT NULL,
        closed_by TEXT CHECK (closed_by IN ('client', 'rule', 'expiry', 'schedule')),
        CHECK (payer <> payee),
        CHECK ((status = 'active') = (closed_by IS NULL))
      );
      CREATE INDEX holds_due ON holds (due_at) WHERE status = 'active';
      CREATE INDEX holds_payer ON holds (payer, seq);
      CREATE INDEX holds_payee ON holds (payee, seq);
      CREATE INDEX holds_payer_created ON holds (payer, created_at);
      CREATE INDEX holds_pair_created ON holds (payer, payee, created_at);
      -- A hold's history as inserted rows (as SQLite's migration 10): one transition per version, its
      -- settlements, refunds and events each a row; the holds row keeps its terms and a projection of
      -- its newest transition, which the trigger below lets change only to a state a transition records.
      CREATE TABLE hold_transitions (
        hold_id TEXT NOT NULL REFERENCES holds (id),
        version INTEGER NOT NULL CHECK (version >= 1),
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'settled', 'released', 'expired')),
        amount BIGINT NOT NULL CHECK (amount > 0),
        settled BIGINT NOT NULL,
        refunded BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        scheduled TEXT,
        authorized_max BIGINT,
        closed_by TEXT,
        at BIGINT NOT NULL,
        PRIMARY KEY (hold_id, version)
      );
      CREATE TABLE hold_settlements (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        hold_id TEXT NOT NULL REFERENCES holds (id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        at BIGINT NOT NULL
      );
      CREATE INDEX hold_settlements_hold ON hold_settlements (hold_id, seq);
      CREATE TABLE hold_refunds (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        hold_id TEXT NOT NULL REFERENCES holds (id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        at BIGINT NOT NULL
      );
      CREATE INDEX hold_refunds_hold ON hold_refunds (hold_id, seq);
      CREATE TABLE hold_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hold_id TEXT NOT NULL REFERENCES holds (id),
        type TEXT NOT NULL,
        at BIGINT NOT NULL,
        data TEXT NOT NULL CHECK (data::json IS NOT NULL)
      );
      CREATE INDEX hold_events_hold ON hold_events (hold_id, seq);
      ${['hold_transitions', 'hold_settlements', 'hold_refunds', 'hold_events']
        .map(
          (table) =>
            refuseTrigger(table, 'UPDATE', 'hold history is append-only') +
            refuseTrigger(table, 'DELETE', 'hold history is append-only'),
        )
        .join('\n')}
      ${refuseTrigger('holds', 'DELETE', 'holds are never deleted')}
      CREATE FUNCTION holds_follow_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.version IS DISTINCT FROM OLD.version + 1
            OR (NEW.seq, NEW.id, NEW.payer, NEW.payee, NEW.reference, NEW.category, NEW.template,
                NEW.on_expiry, NEW.rules, NEW.created_at)
               IS DISTINCT FROM (OLD.seq, OLD.id, OLD.payer, OLD.payee, OLD.reference, OLD.category,
                OLD.template, OLD.on_expiry, OLD.rules, OLD.created_at)
            OR NOT EXISTS (
              SELECT 1 FROM hold_transitions t
              WHERE t.hold_id = NEW.id AND t.version = NEW.version AND t.status = NEW.status
                AND t.amount = NEW.amount AND t.settled = NEW.settled AND t.refunded = NEW.refunded
                AND t.expires_at = NEW.expires_at AND t.scheduled IS NOT DISTINCT FROM NEW.scheduled
                AND t.authorized_max IS NOT DISTINCT FROM NEW.authorized_max
                AND t.closed_by IS NOT DISTINCT FROM NEW.closed_by AND t.at = NEW.updated_at)
          THEN RAISE EXCEPTION 'a hold changes only to the state its newest transition records'; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER holds_follow_transitions BEFORE UPDATE ON holds
        FOR EACH ROW EXECUTE FUNCTION holds_follow_transitions();
      CREATE TABLE entries (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        transfer_id TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        counterparty_id TEXT NOT NULL REFERENCES accounts (id),
        kind TEXT NOT NULL CHECK (kind IN ('deposit', 'settlement', 'refund')),
        amount BIGINT NOT NULL CHECK (amount <> 0),
        balance_after BIGINT NOT NULL,
        hold_id TEXT REFERENCES holds (id),
        at BIGINT NOT NULL
      );
      CREATE INDEX entries_account ON entries (account_id, seq);
      ${refuseTrigger('entries', 'UPDATE', 'entries are immutable')}
      ${refuseTrigger('entries', 'DELETE', 'entries are immutable')}
      CREATE TABLE idempotency (
        client_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash BYTEA NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (client_id, key)
      );
      CREATE INDEX idempotency_created ON idempotency (created_at);
      CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        actor TEXT NOT NULL,
        data TEXT NOT NULL,
        hash BYTEA NOT NULL
      );
      ${refuseTrigger('audit_log', 'UPDATE', 'audit_log is append-only')}
      ${refuseTrigger('audit_log', 'DELETE', 'audit_log is append-only')}
      -- The chain head: one row, locked first by every write transaction (see pg-store.ts), so the
      -- audit chain and every read-then-write of the ledger run in one total order across instances.
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        hash BYTEA NOT NULL
      );
      CREATE TABLE standing_limits (
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id TEXT PRIMARY KEY,
        payer TEXT NOT NULL REFERENCES accounts (id),
        payee TEXT NOT NULL REFERENCES accounts (id),
        amount_per_period BIGINT NOT NULL CHECK (amount_per_period > 0),
        period_seconds BIGINT NOT NULL CHECK (period_seconds > 0),
        expires_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT,
        revoked_by TEXT,
        CHECK (payer <> payee)
      );
      CREATE INDEX standing_limits_pair ON standing_limits (payer, payee);
      CREATE INDEX standing_limits_payer ON standing_limits (payer, seq);
      ${refuseTrigger('standing_limits', 'DELETE', 'standing limits are immutable: revoke one, never delete it')}
      CREATE FUNCTION standing_limits_revoke_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.revoked_by IS NULL
            OR (NEW.seq, NEW.id, NEW.payer, NEW.payee, NEW.amount_per_period, NEW.period_seconds,
                NEW.expires_at, NEW.created_by, NEW.created_at)
               IS DISTINCT FROM (OLD.seq, OLD.id, OLD.payer, OLD.payee, OLD.amount_per_period,
                OLD.period_seconds, OLD.expires_at, OLD.created_by, OLD.created_at)
          THEN RAISE EXCEPTION 'standing limits are immutable: only revoked_at is set, once'; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER standing_limits_revoke_once BEFORE UPDATE ON standing_limits
        FOR EACH ROW EXECUTE FUNCTION standing_limits_revoke_once();
      CREATE TABLE member_numbers (
        member_number TEXT PRIMARY KEY CHECK (member_number ~ '^[1-9][0-9]{9}$'),
        issued_at BIGINT NOT NULL
      );
      ${refuseTrigger('member_numbers', 'UPDATE', 'member numbers are never changed')}
      ${refuseTrigger('member_numbers', 'DELETE', 'member numbers are never reused')}
      CREATE TABLE persons (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        date_of_birth TEXT NOT NULL,
        account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
        id_document_type TEXT NOT NULL,
        id_document_number_hash TEXT NOT NULL UNIQUE,
        id_document_verified_by TEXT NOT NULL,
        guardian_person_id TEXT REFERENCES persons (id),
        require_pin INTEGER NOT NULL CHECK (require_pin IN (0, 1)),
        pin_verifier TEXT NOT NULL,
        pin_failures INTEGER NOT NULL CHECK (pin_failures >= 0),
        member_number TEXT NOT NULL UNIQUE REFERENCES member_numbers (member_number),
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE FUNCTION persons_member_number_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.member_number IS DISTINCT FROM OLD.member_number
          THEN RAISE EXCEPTION 'a member number is never changed'; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER persons_member_number_fixed BEFORE UPDATE ON persons
        FOR EACH ROW EXECUTE FUNCTION persons_member_number_fixed();
      CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES persons (id),
        model_id TEXT NOT NULL,
        transform_key_id TEXT NOT NULL,
        sealed BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX templates_person ON templates (person_id);
      CREATE TABLE payment_authorizations (
        token_hash BYTEA PRIMARY KEY,
        person_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        payee TEXT NOT NULL,
        max_amount BIGINT NOT NULL CHECK (max_amount > 0),
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        purpose TEXT NOT NULL DEFAULT 'payment' CHECK (purpose IN ('payment', 'standing_limit')),
        standing_period_seconds BIGINT,
        standing_expires_in_seconds BIGINT
      );
      CREATE INDEX payment_authorizations_expiry ON payment_authorizations (expires_at);
      CREATE TABLE kiosks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients (id),
        signing_public_key BYTEA NOT NULL UNIQUE CHECK (length(signing_public_key) = 32),
        box_public_key BYTEA NOT NULL UNIQUE CHECK (length(box_public_key) = 32),
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT,
        revoked_by TEXT,
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      );
      CREATE INDEX kiosks_client ON kiosks (client_id);
      ${refuseTrigger('kiosks', 'DELETE', 'kiosks are revoked, never deleted')}
      -- A till's latest face identification and the wrong-PIN counts of member numbers nobody holds
      -- (SQLite's migration 11): in the database, so every instance agrees on them.
      CREATE TABLE identifications (
        client_id TEXT PRIMARY KEY,
        payee TEXT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        person_ids TEXT NOT NULL CHECK (person_ids::json IS NOT NULL),
        at BIGINT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('payment', 'standing_limit'))
      );
      CREATE TABLE unknown_member_failures (
        member_number TEXT PRIMARY KEY,
        failures INTEGER NOT NULL CHECK (failures > 0),
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX unknown_member_failures_updated ON unknown_member_failures (updated_at);
      CREATE TABLE replay_nonces (
        purpose TEXT NOT NULL CHECK (purpose IN ('envelope', 'kiosk_request')),
        nonce BYTEA NOT NULL CHECK (length(nonce) = 24),
        seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL CHECK (expires_at > seen_at),
        PRIMARY KEY (purpose, nonce)
      );
      CREATE INDEX replay_nonces_expiry ON replay_nonces (expires_at);
    `);
    await client.query(
      `INSERT INTO accounts (id, kind, name, currency, balance, held, limits, blocked_categories, created_at)
       VALUES ($1, 'issuer', 'Issuer', 'JPY', 0, 0, '{}', '[]', 0)`,
      [issuerAccountId],
    );
    await client.query('INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1)', [
      Buffer.from(genesisHash),
    ]);
  },
  async function v2GuardianConsents(client) {
    // SQLite's migration 12: a guardian's single-use consent to one child's enrolment.
    await client.query(`
      CREATE TABLE guardian_consents (
        token_hash BYTEA PRIMARY KEY,
        guardian_person_id TEXT NOT NULL,
        child_account_id TEXT NOT NULL,
        limits TEXT NOT NULL CHECK (limits::json IS NOT NULL),
        blocked_categories TEXT NOT NULL CHECK (blocked_categories::json IS NOT NULL),
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX guardian_consents_guardian ON guardian_consents (guardian_person_id);
    `);
  },
  async function v3PersonConsent(client) {
    // SQLite's migration 13: the consent a person agreed to at enrolment, kept with the person.
    await client.query(`
      ALTER TABLE persons ADD COLUMN consent_version TEXT;
      ALTER TABLE persons ADD COLUMN consent_language TEXT CHECK (consent_language IN ('ja', 'en'));
      ALTER TABLE persons ADD COLUMN consent_at BIGINT;
    `);
  },
  async function v4PinUnlockIndex(client) {
    // SQLite's migration 14: a person's PIN unlocks of the day are counted from the audit log.
    await client.query(`
      CREATE INDEX audit_log_pin_unlocks ON audit_log (subject, at)
        WHERE kind IN (${pinUnlockKindsSql});
    `);
  },
  async function v5PinFailureIndex(client) {
    // SQLite's migration 15: a client's wrong PINs of the day, counted from the audit log.
    await client.query(`
      CREATE INDEX audit_log_pin_failures ON audit_log (actor, at)
        WHERE kind IN (${pinFailureKindsSql});
    `);
  },
  async function v6HoldsCommittedByUpdate(client) {
    // SQLite's migration 16: a period's commitments count raises of older holds, found by last change.
    await client.query(`
      DROP INDEX holds_payer_created;
      DROP INDEX holds_pair_created;
      CREATE INDEX holds_payer_updated ON holds (payer, updated_at);
      CREATE INDEX holds_pair_updated ON holds (payer, payee, updated_at);
    `);
  },
  async function v7HoldPlacedKey(client) {
    // SQLite's migration 17: the client-bound hash of the Idempotency-Key that placed a hold, for as
    // long as the hold; holds placed before have none. No index: a lookup names the payer too.
    await client.query(`
      ALTER TABLE holds ADD COLUMN placed_key_hash BYTEA
        CHECK (placed_key_hash IS NULL OR length(placed_key_hash) = 32);
      CREATE FUNCTION holds_placed_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.placed_key_hash IS DISTINCT FROM OLD.placed_key_hash
          THEN RAISE EXCEPTION 'the key that placed a hold never changes'; END IF;
          RETURN NEW;
        END $$;
      -- OF placed_key_hash: fires only for an UPDATE that names the column (the hub's never do).
      CREATE TRIGGER holds_placed_key_fixed BEFORE UPDATE OF placed_key_hash ON holds
        FOR EACH ROW EXECUTE FUNCTION holds_placed_key_fixed();
      CREATE TABLE placed_keys_since (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at BIGINT NOT NULL
      );
      INSERT INTO placed_keys_since (id, at)
        VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
      ${refuseTrigger('placed_keys_since', 'UPDATE', 'placed_keys_since is written once')}
    `);
  },
  async function v8StoredAnswerPerson(client) {
    // SQLite's migration 18: the person an enrolment's stored answer shows, erased with them.
    await client.query(`
      ALTER TABLE idempotency ADD COLUMN person_id TEXT;
      UPDATE idempotency SET person_id = body::jsonb ->> 'id'
        WHERE status = 201 AND left(body::jsonb ->> 'id', 4) = 'per_';
      CREATE INDEX idempotency_person ON idempotency (person_id) WHERE person_id IS NOT NULL;
    `);
  },
  async function v9KioskAlerts(client) {
    // SQLite's migration 19: a kiosk's alerts live in the audit log alone, listed by kiosk and found by
    // alert id (one row per id), through partial indexes.
    await client.query(`
      CREATE INDEX audit_log_kiosk_alerts ON audit_log (subject, seq)
        WHERE kind IN (${kioskAlertKindsSql});
      CREATE UNIQUE INDEX audit_log_kiosk_alert_ids ON audit_log (subject, ((data::jsonb) ->> 'alertId'))
        WHERE kind IN (${kioskAlertKindsSql});
    `);
  },
  async function v10Rekeys(client) {
    // SQLite's migration 20: the newest re-key, read by every write that stores templates.
    await client.query(
      `CREATE INDEX audit_log_rekeys ON audit_log (seq) WHERE kind = ${rekeyedKindSql}`,
    );
  },
  async function v11PersonErasures(client) {
    // SQLite's migration 21: who erased a person, read by subject inside the write transaction.
    await client.query(
      `CREATE INDEX audit_log_person_erasures ON audit_log (subject, seq) WHERE kind = ${personErasedKindSql}`,
    );
  },
  async function v12PersonsGuardian(client) {
    // SQLite's migration 22: the children of a guardian, found and cleared by the guardian's erasure.
    await client.query(
      'CREATE INDEX persons_guardian ON persons (guardian_person_id) WHERE guardian_person_id IS NOT NULL',
    );
  },
];

async function currentVersion(client: PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>(
    "SELECT to_regclass('schema_version')::text AS t",
  );
  if (exists.rows[0]?.t === null || exists.rows[0] === undefined) return 0;
  const row = await client.query<{ version: number }>(
    'SELECT version FROM schema_version WHERE id = 1',
  );
  return row.rows[0]?.version ?? 0;
}

/**
 * Brings the database to the latest schema, one transaction per migration, under an advisory lock
 * so instances starting together migrate once. A database written by a newer hub is refused.
 */
export async function migratePg(client: PoolClient): Promise<{ from: number; to: number }> {
  await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
  try {
    const from = await currentVersion(client);
    if (from > pgMigrations.length) {
      throw new DatabaseTooNewError(
        `database schema version ${from} is newer than this hub understands (${pgMigrations.length}); refusing to open it`,
      );
    }
    for (let version = from; version < pgMigrations.length; version++) {
      const step = pgMigrations[version];
      if (step === undefined) throw new Error(`missing migration ${version + 1}`);
      await client.query('BEGIN');
      try {
        await step(client);
        await client.query('UPDATE schema_version SET version = $1 WHERE id = 1', [version + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return { from, to: pgMigrations.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
  }
}
