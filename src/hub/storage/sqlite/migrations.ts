// The SQLite schema as an ordered list of migrations; PRAGMA user_version records how many ran.
// A database written by a newer hub (user_version beyond this list) is refused, never guessed at.
import type Database from 'better-sqlite3';
import { assert } from '../../../shared/assert.ts';
import { memberNumberDrawsMax } from '../../../shared/limits.ts';
import { newMemberNumber } from '../../ids.ts';
import {
  kioskAlertKindsSql,
  pinFailureKindsSql,
  personErasedKindSql,
  pinUnlockKindsSql,
  rekeyedKindSql,
} from '../port.ts';
import { issuerAccountId } from '../records.ts';

export const migrations: ReadonlyArray<(db: Database.Database) => void> = [
  function v1Ledger(db) {
    db.exec(`
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('issuer', 'person', 'merchant', 'escrow')),
        name TEXT NOT NULL,
        currency TEXT NOT NULL CHECK (currency = 'JPY'),
        balance INTEGER NOT NULL,
        held INTEGER NOT NULL CHECK (held >= 0),
        limits TEXT NOT NULL,
        blocked_categories TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        CHECK (kind = 'issuer' OR balance >= held)
      ) STRICT;
      CREATE TABLE clients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'merchant', 'event_source', 'enrollment')),
        merchant_id TEXT REFERENCES accounts (id),
        event_types TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE holds (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('active', 'settled', 'released', 'expired')),
        payer TEXT NOT NULL REFERENCES accounts (id),
        payee TEXT NOT NULL REFERENCES accounts (id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        settled INTEGER NOT NULL CHECK (settled >= 0 AND settled <= amount),
        refunded INTEGER NOT NULL CHECK (refunded >= 0 AND refunded <= settled),
        reference TEXT NOT NULL,
        category TEXT,
        template TEXT,
        on_expiry TEXT NOT NULL CHECK (on_expiry IN ('release', 'settle')),
        rules TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        scheduled TEXT,
        due_at INTEGER NOT NULL,
        authorized_max INTEGER,
        settlements TEXT NOT NULL,
        refunds TEXT NOT NULL,
        events TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        closed_by TEXT CHECK (closed_by IN ('client', 'rule', 'expiry', 'schedule')),
        CHECK (payer <> payee),
        CHECK ((status = 'active') = (closed_by IS NULL))
      ) STRICT;
      CREATE INDEX holds_due ON holds (due_at) WHERE status = 'active';
      CREATE INDEX holds_payer ON holds (payer, seq);
      CREATE INDEX holds_payee ON holds (payee, seq);
      CREATE INDEX holds_payer_created ON holds (payer, created_at);
      CREATE TABLE entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        transfer_id TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        counterparty_id TEXT NOT NULL REFERENCES accounts (id),
        kind TEXT NOT NULL CHECK (kind IN ('deposit', 'settlement', 'refund')),
        amount INTEGER NOT NULL CHECK (amount <> 0),
        balance_after INTEGER NOT NULL,
        hold_id TEXT REFERENCES holds (id),
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX entries_account ON entries (account_id, seq);
      CREATE TABLE idempotency (
        client_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash BLOB NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (client_id, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX idempotency_created ON idempotency (created_at);
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        actor TEXT NOT NULL,
        data TEXT NOT NULL,
        hash BLOB NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'entries are immutable'); END;
      CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'entries are immutable'); END;
    `);
    db.prepare(
      `INSERT INTO accounts (id, kind, name, currency, balance, held, limits, blocked_categories, created_at)
       VALUES (?, 'issuer', 'Issuer', 'JPY', 0, 0, '{}', '[]', 0)`,
    ).run(issuerAccountId);
  },
  function v2StandingLimits(db) {
    db.exec(`
      CREATE TABLE standing_limits (
        id TEXT PRIMARY KEY,
        payer TEXT NOT NULL REFERENCES accounts (id),
        payee TEXT NOT NULL REFERENCES accounts (id),
        amount_per_period INTEGER NOT NULL CHECK (amount_per_period > 0),
        period_seconds INTEGER NOT NULL CHECK (period_seconds > 0),
        expires_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        CHECK (payer <> payee)
      ) STRICT;
      CREATE INDEX standing_limits_pair ON standing_limits (payer, payee);
      CREATE INDEX holds_pair_created ON holds (payer, payee, created_at);
    `);
  },
  function v3Identity(db) {
    db.exec(`
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
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES persons (id),
        model_id TEXT NOT NULL,
        transform_key_id TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX templates_person ON templates (person_id);
      CREATE TABLE payment_authorizations (
        token_hash BLOB PRIMARY KEY,
        person_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        payee TEXT NOT NULL,
        max_amount INTEGER NOT NULL CHECK (max_amount > 0),
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX payment_authorizations_expiry ON payment_authorizations (expires_at);
    `);
  },
  function v4IdempotencyByRowid(db) {
    // Stored answers are several hundred bytes: keep them in a rowid table with a unique key index,
    // not inside a WITHOUT ROWID b-tree keyed by random strings (profiled: 7% of the hub's CPU).
    db.exec(`
      CREATE TABLE idempotency_v4 (
        client_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash BLOB NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO idempotency_v4 (client_id, key, request_hash, status, body, created_at)
        SELECT client_id, key, request_hash, status, body, created_at FROM idempotency;
      DROP TABLE idempotency;
      ALTER TABLE idempotency_v4 RENAME TO idempotency;
      CREATE UNIQUE INDEX idempotency_key ON idempotency (client_id, key);
      CREATE INDEX idempotency_created ON idempotency (created_at);
    `);
  },
  function v5Kiosks(db) {
    // Registered kiosk devices. Rows are never deleted: a revoked kiosk keeps its row (and its keys
    // stay unique), so a revoked key cannot be registered again and the client keeps needing attestation.
    db.exec(`
      CREATE TABLE kiosks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients (id),
        signing_public_key BLOB NOT NULL UNIQUE CHECK (length(signing_public_key) = 32),
        box_public_key BLOB NOT NULL UNIQUE CHECK (length(box_public_key) = 32),
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_by TEXT,
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      ) STRICT;
      CREATE INDEX kiosks_client ON kiosks (client_id);
      CREATE TRIGGER kiosks_no_delete BEFORE DELETE ON kiosks
        BEGIN SELECT RAISE(ABORT, 'kiosks are revoked, never deleted'); END;
    `);
  },
  function v6MemberNumbers(db) {
    // Every member number ever issued stays in member_numbers (erasure deletes the person, not the
    // number), so a number is never given to a second person. ADD COLUMN cannot be NOT NULL without a
    // default: the triggers refuse NULL on every write, and existing persons get a number right here.
    db.exec(`
      CREATE TABLE member_numbers (
        member_number TEXT PRIMARY KEY
          CHECK (member_number GLOB '[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
        issued_at INTEGER NOT NULL
      ) STRICT;
      CREATE TRIGGER member_numbers_no_update BEFORE UPDATE ON member_numbers
        BEGIN SELECT RAISE(ABORT, 'member numbers are never changed'); END;
      CREATE TRIGGER member_numbers_no_delete BEFORE DELETE ON member_numbers
        BEGIN SELECT RAISE(ABORT, 'member numbers are never reused'); END;
      ALTER TABLE persons ADD COLUMN member_number TEXT REFERENCES member_numbers (member_number);
    `);
    const issued = db.prepare<[string]>('SELECT 1 FROM member_numbers WHERE member_number = ?');
    const issue = db.prepare<[string, number]>(
      'INSERT INTO member_numbers (member_number, issued_at) VALUES (?, ?)',
    );
    const assign = db.prepare<[string, string]>(
      'UPDATE persons SET member_number = ? WHERE id = ? AND member_number IS NULL',
    );
    const persons = db
      .prepare<[], { id: string; created_at: number }>(
        'SELECT id, created_at FROM persons ORDER BY created_at, id',
      )
      .all();
    for (const person of persons) {
      let number = newMemberNumber();
      for (let draw = 1; issued.get(number) !== undefined; draw++) {
        assert(draw < memberNumberDrawsMax, 'an unused member number within the draws');
        number = newMemberNumber();
      }
      issue.run(number, person.created_at);
      assert(assign.run(number, person.id).changes === 1, `person ${person.id} gets one number`);
    }
    db.exec(`
      CREATE UNIQUE INDEX persons_member_number ON persons (member_number);
      CREATE TRIGGER persons_member_number_insert BEFORE INSERT ON persons
        WHEN NEW.member_number IS NULL
        BEGIN SELECT RAISE(ABORT, 'a person has a member number'); END;
      CREATE TRIGGER persons_member_number_update BEFORE UPDATE OF member_number ON persons
        WHEN NEW.member_number IS NOT OLD.member_number
        BEGIN SELECT RAISE(ABORT, 'a member number is never changed'); END;
    `);
  },
  function v7ReplayNonces(db) {
    // Nonces of sealed envelopes and signed kiosk requests the hub accepted, kept until their request
    // can no longer pass the freshness check: in the database, so a restart (or another hub instance
    // on the same database) cannot accept a captured request a second time.
    db.exec(`
      CREATE TABLE replay_nonces (
        purpose TEXT NOT NULL CHECK (purpose IN ('envelope', 'kiosk_request')),
        nonce BLOB NOT NULL CHECK (length(nonce) = 24),
        seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL CHECK (expires_at > seen_at),
        PRIMARY KEY (purpose, nonce)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX replay_nonces_expiry ON replay_nonces (expires_at);
    `);
  },
  function v8ClientRevocationAndEnrolmentOwners(db) {
    // A client's token can be revoked (the row stays, for the audit log's actors) or rotated (a new
    // hash in place). A person account names the one enrolment client that may enrol a person on it,
    // so no other enrolment organisation can bind its own face and PIN to an account a till debits.
    db.exec(`
      ALTER TABLE clients ADD COLUMN revoked_at INTEGER;
      ALTER TABLE clients ADD COLUMN revoked_by TEXT;
      CREATE TRIGGER clients_revoked_both BEFORE UPDATE OF revoked_at, revoked_by ON clients
        WHEN (NEW.revoked_at IS NULL) <> (NEW.revoked_by IS NULL) OR OLD.revoked_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a client is revoked once, with when and by whom'); END;
      CREATE TRIGGER clients_no_delete BEFORE DELETE ON clients
        BEGIN SELECT RAISE(ABORT, 'clients are revoked, never deleted'); END;
      ALTER TABLE accounts ADD COLUMN enrollment_client_id TEXT REFERENCES clients (id);
    `);
  },
  function v9StandingLimitConsent(db) {
    // A standing limit is the payer's consent: it is revoked (by the payer, or by a newer limit for the
    // same pair) by setting revoked_at once, never rewritten or deleted. A person consents by face +
    // PIN: a single-use authorization whose purpose is a standing limit, bound to its terms.
    db.exec(`
      ALTER TABLE standing_limits ADD COLUMN revoked_at INTEGER;
      ALTER TABLE standing_limits ADD COLUMN revoked_by TEXT;
      CREATE INDEX standing_limits_payer ON standing_limits (payer);
      CREATE TRIGGER standing_limits_no_delete BEFORE DELETE ON standing_limits
        BEGIN SELECT RAISE(ABORT, 'standing limits are immutable: revoke one, never delete it'); END;
      CREATE TRIGGER standing_limits_revoke_once BEFORE UPDATE ON standing_limits
        WHEN OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.revoked_by IS NULL
          OR NEW.id IS NOT OLD.id OR NEW.payer IS NOT OLD.payer OR NEW.payee IS NOT OLD.payee
          OR NEW.amount_per_period IS NOT OLD.amount_per_period
          OR NEW.period_seconds IS NOT OLD.period_seconds OR NEW.expires_at IS NOT OLD.expires_at
          OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
        BEGIN SELECT RAISE(ABORT, 'standing limits are immutable: only revoked_at is set, once'); END;
      ALTER TABLE payment_authorizations ADD COLUMN purpose TEXT NOT NULL DEFAULT 'payment'
        CHECK (purpose IN ('payment', 'standing_limit'));
      ALTER TABLE payment_authorizations ADD COLUMN standing_period_seconds INTEGER;
      ALTER TABLE payment_authorizations ADD COLUMN standing_expires_in_seconds INTEGER;
    `);
  },
  function v10HoldHistory(db) {
    // A hold's history as inserted rows (DESIGN.md: holds are resolved by new rows, never by rewriting
    // history): one transition row per version, and its settlements, refunds and events each a row.
    // The holds row keeps its terms and a projection of its newest transition (for the list and due
    // indexes), which a trigger lets change only to a state a transition row records.
    db.exec(`
      CREATE TABLE hold_transitions (
        hold_id TEXT NOT NULL REFERENCES holds (id),
        version INTEGER NOT NULL CHECK (version >= 1),
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'settled', 'released', 'expired')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        settled INTEGER NOT NULL,
        refunded INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        scheduled TEXT,
        authorized_max INTEGER,
        closed_by TEXT,
        at INTEGER NOT NULL,
        PRIMARY KEY (hold_id, version)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE hold_settlements (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        hold_id TEXT NOT NULL REFERENCES holds (id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX hold_settlements_hold ON hold_settlements (hold_id, seq);
      CREATE TABLE hold_refunds (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        hold_id TEXT NOT NULL REFERENCES holds (id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX hold_refunds_hold ON hold_refunds (hold_id, seq);
      CREATE TABLE hold_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        hold_id TEXT NOT NULL REFERENCES holds (id),
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;
      CREATE INDEX hold_events_hold ON hold_events (hold_id, seq);

      INSERT INTO hold_settlements (id, hold_id, amount, at)
        SELECT json_extract(j.value, '$.id'), h.id, json_extract(j.value, '$.amount'),
          json_extract(j.value, '$.at')
        FROM holds h, json_each(h.settlements) j ORDER BY h.seq, j.key;
      INSERT INTO hold_refunds (id, hold_id, amount, at)
        SELECT json_extract(j.value, '$.id'), h.id, json_extract(j.value, '$.amount'),
          json_extract(j.value, '$.at')
        FROM holds h, json_each(h.refunds) j ORDER BY h.seq, j.key;
      INSERT INTO hold_events (hold_id, type, at, data)
        SELECT h.id, json_extract(j.value, '$.type'), json_extract(j.value, '$.at'),
          json(json_extract(j.value, '$.data'))
        FROM holds h, json_each(h.events) j ORDER BY h.seq, j.key;
      -- Earlier versions were rewritten in place and are gone; the current one is the first on record.
      INSERT INTO hold_transitions (hold_id, version, kind, status, amount, settled, refunded,
          expires_at, scheduled, authorized_max, closed_by, at)
        SELECT id, version, 'migrated', status, amount, settled, refunded, expires_at, scheduled,
          authorized_max, closed_by, updated_at
        FROM holds;
      ALTER TABLE holds DROP COLUMN settlements;
      ALTER TABLE holds DROP COLUMN refunds;
      ALTER TABLE holds DROP COLUMN events;
    `);
    for (const table of ['hold_transitions', 'hold_settlements', 'hold_refunds', 'hold_events']) {
      db.exec(`
        CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
          BEGIN SELECT RAISE(ABORT, 'hold history is append-only'); END;
        CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
          BEGIN SELECT RAISE(ABORT, 'hold history is append-only'); END;
      `);
    }
    db.exec(`
      CREATE TRIGGER holds_follow_transitions BEFORE UPDATE ON holds
        WHEN NEW.version IS NOT OLD.version + 1
          OR NEW.seq IS NOT OLD.seq OR NEW.id IS NOT OLD.id OR NEW.payer IS NOT OLD.payer
          OR NEW.payee IS NOT OLD.payee OR NEW.reference IS NOT OLD.reference
          OR NEW.category IS NOT OLD.category OR NEW.template IS NOT OLD.template
          OR NEW.on_expiry IS NOT OLD.on_expiry OR NEW.rules IS NOT OLD.rules
          OR NEW.created_at IS NOT OLD.created_at
          OR NOT EXISTS (
            SELECT 1 FROM hold_transitions t
            WHERE t.hold_id = NEW.id AND t.version = NEW.version AND t.status = NEW.status
              AND t.amount = NEW.amount AND t.settled = NEW.settled AND t.refunded = NEW.refunded
              AND t.expires_at = NEW.expires_at AND t.scheduled IS NEW.scheduled
              AND t.authorized_max IS NEW.authorized_max AND t.closed_by IS NEW.closed_by
              AND t.at = NEW.updated_at)
        BEGIN SELECT RAISE(ABORT, 'a hold changes only to the state its newest transition records'); END;
      CREATE TRIGGER holds_no_delete BEFORE DELETE ON holds
        BEGIN SELECT RAISE(ABORT, 'holds are never deleted'); END;
    `);
  },
  function v11SharedPinState(db) {
    // What verify-pin and the member-number PIN checked in one process's memory, moved to the
    // database so several hub instances (or a restarted one) agree: a till's latest identification,
    // and the wrong-PIN counts of member numbers nobody holds (locked like a real member's).
    db.exec(`
      CREATE TABLE identifications (
        client_id TEXT PRIMARY KEY,
        payee TEXT NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        person_ids TEXT NOT NULL CHECK (json_valid(person_ids)),
        at INTEGER NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('payment', 'standing_limit'))
      ) STRICT;
      CREATE TABLE unknown_member_failures (
        member_number TEXT PRIMARY KEY,
        failures INTEGER NOT NULL CHECK (failures > 0),
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX unknown_member_failures_updated ON unknown_member_failures (updated_at);
    `);
  },
  function v12GuardianConsents(db) {
    // A guardian's face + PIN consent to one child's enrolment (POST /v1/guardian-consents): single use,
    // spent by the enrolment that names the guardian; the guardian's erasure deletes the unspent ones.
    db.exec(`
      CREATE TABLE guardian_consents (
        token_hash BLOB PRIMARY KEY,
        guardian_person_id TEXT NOT NULL,
        child_account_id TEXT NOT NULL,
        limits TEXT NOT NULL CHECK (json_valid(limits)),
        blocked_categories TEXT NOT NULL CHECK (json_valid(blocked_categories)),
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX guardian_consents_guardian ON guardian_consents (guardian_person_id);
    `);
  },
  function v13PersonConsent(db) {
    // The consent text a person agreed to at enrolment, kept with the person (and erased with them):
    // its version and language, and the hub's time of the enrolment. All three NULL: none recorded.
    db.exec(`
      ALTER TABLE persons ADD COLUMN consent_version TEXT;
      ALTER TABLE persons ADD COLUMN consent_language TEXT CHECK (consent_language IN ('ja', 'en'));
      ALTER TABLE persons ADD COLUMN consent_at INTEGER;
    `);
  },
  function v14PinUnlockIndex(db) {
    // A person's PIN unlocks of the day are counted from the audit log (durable, whatever instance or
    // restart): a partial index keeps that count off the rest of the log and costs other rows nothing.
    db.exec(`
      CREATE INDEX audit_log_pin_unlocks ON audit_log (subject, at)
        WHERE kind IN (${pinUnlockKindsSql});
    `);
  },
  function v15PinFailureIndex(db) {
    // A client's wrong PINs of the day, counted from the audit log before each PIN check.
    db.exec(`
      CREATE INDEX audit_log_pin_failures ON audit_log (actor, at)
        WHERE kind IN (${pinFailureKindsSql});
    `);
  },
  function v16HoldsCommittedByUpdate(db) {
    // What a payer committed in a period counts raises of older holds too (ledger-store's
    // committedSince): the holds touched since the period began, found by their last change.
    db.exec(`
      DROP INDEX holds_payer_created;
      DROP INDEX holds_pair_created;
      CREATE INDEX holds_payer_updated ON holds (payer, updated_at);
      CREATE INDEX holds_pair_updated ON holds (payer, payee, updated_at);
    `);
  },
  function v17HoldPlacedKey(db) {
    // The Idempotency-Key that placed a hold, as a hash bound to the placing client (placed-key.ts),
    // kept for as long as the hold: a client whose answer was lost finds its hold by key after the
    // stored answers are pruned. Holds placed before this migration have none (NULL): found by no key.
    // No index of its own: one added 1 to 15 µs to every place (INSERT INTO holds, 7 alternating runs of
    // scripts/bench-hub/sqlite-statements.ts); a lookup names the payer too (routes.ts), and the payer's
    // index narrows it to their holds, at no cost to a place.
    db.exec(`
      ALTER TABLE holds ADD COLUMN placed_key_hash BLOB
        CHECK (placed_key_hash IS NULL OR length(placed_key_hash) = 32);
      CREATE TRIGGER holds_placed_key_fixed BEFORE UPDATE OF placed_key_hash ON holds
        WHEN NEW.placed_key_hash IS NOT OLD.placed_key_hash
        BEGIN SELECT RAISE(ABORT, 'the key that placed a hold never changes'); END;
      -- Since when holds keep their key (the database's clock now): a lookup that finds nothing proves
      -- "never placed" only for a request sent after this.
      CREATE TABLE placed_keys_since (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO placed_keys_since (id, at) VALUES (1, CAST(unixepoch('subsec') * 1000 AS INTEGER));
      CREATE TRIGGER placed_keys_since_no_update BEFORE UPDATE ON placed_keys_since
        BEGIN SELECT RAISE(ABORT, 'placed_keys_since is written once'); END;
    `);
  },
  function v18StoredAnswerPerson(db) {
    // The person an enrolment's stored answer shows, so that erasing them cuts that answer down to their
    // id in the same transaction (not up to the retention window later). Answers stored before this
    // migration are found by their body: an enrolment's answer is the only one whose id is a person's.
    // The index holds only those rows, so the payments' answers add nothing to it.
    db.exec(`
      ALTER TABLE idempotency ADD COLUMN person_id TEXT;
      UPDATE idempotency SET person_id = json_extract(body, '$.id')
        WHERE status = 201 AND json_valid(body) AND substr(json_extract(body, '$.id'), 1, 4) = 'per_';
      CREATE INDEX idempotency_person ON idempotency (person_id) WHERE person_id IS NOT NULL;
    `);
  },
  function v19KioskAlerts(db) {
    // A kiosk's alerts (face checks paused, resumed) live in the audit log alone: listed by kiosk, newest
    // first, and found by the kiosk's alert id, one row per id (unique: an alert sent again adds none).
    // Partial indexes: the other rows of the log cost nothing.
    db.exec(`
      CREATE INDEX audit_log_kiosk_alerts ON audit_log (subject, seq)
        WHERE kind IN (${kioskAlertKindsSql});
      CREATE UNIQUE INDEX audit_log_kiosk_alert_ids ON audit_log (subject, json_extract(data, '$.alertId'))
        WHERE kind IN (${kioskAlertKindsSql});
    `);
  },
  function v20Rekeys(db) {
    // The newest re-key names the transform key every stored template is under: a write that stores
    // templates reads it inside its transaction (another instance may have re-keyed unheard).
    db.exec(`CREATE INDEX audit_log_rekeys ON audit_log (seq) WHERE kind = ${rekeyedKindSql};`);
  },
  function v21PersonErasures(db) {
    // Who erased a person (DELETE /v1/persons/:id asked again), read inside the write transaction: by
    // subject among the erasures alone, not a scan of the whole log.
    db.exec(
      `CREATE INDEX audit_log_person_erasures ON audit_log (subject, seq) WHERE kind = ${personErasedKindSql};`,
    );
  },
  function v22PersonsGuardian(db) {
    // A guardian's erasure finds and clears the children enrolled under them, inside the write
    // transaction: through the few persons that have a guardian, not a scan of every person.
    db.exec(
      'CREATE INDEX persons_guardian ON persons (guardian_person_id) WHERE guardian_person_id IS NOT NULL;',
    );
  },
];

export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
}

/** Brings the database to the latest schema, one transaction per migration. */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) {
    throw new DatabaseTooNewError(
      `database schema version ${from} is newer than this hub understands (${migrations.length}); refusing to open it`,
    );
  }
  for (let version = from; version < migrations.length; version++) {
    const step = migrations[version];
    if (step === undefined) throw new Error(`missing migration ${version + 1}`);
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return { from, to: migrations.length };
}
