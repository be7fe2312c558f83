// What a batch's jobs said they read first (HubStore.write's `reads`), read for all of them in the
// round trip that takes the chain head's lock, and kept current by the batch's own writes as they queue.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import type { JobReads } from '../port.ts';
import type { AccountRow, HoldRow, StoredResponseRow } from '../sqlite/rows.ts';
import {
  accountStatement,
  accountsStatement,
  dueAccountStatement,
  dueHoldStatement,
  holdSelect,
  holdStatement,
} from './ledger-store.ts';
import { storedResponseStatement } from './idempotency-store.ts';
import { literal, type Statement } from './queries.ts';

/**
 * How a deferred write changes what a batch read ahead (PgDeferredWrites). Every deferred write names
 * one: a cached row it changes is updated (balances, held) or dropped (holds, stored answers), so a
 * later job of the batch reads the state the database will have at that point of the transaction.
 */
export type WriteEffect =
  | { kind: 'held'; accountId: string; delta: number }
  | { kind: 'transfer'; from: string; to: string; amount: number }
  /** The hold's row; `expectedVersion`: the version an UPDATE's check expects to find. */
  | {
      kind: 'hold';
      id: string;
      payer: string;
      payee: string;
      status: string;
      dueAt: number;
      expectedVersion?: number;
    }
  /**
   * A hold's history row (settlement, refund, event, transition): only written beside the hold's own
   * row ('hold', which drops the cached hold), so it changes nothing cached by itself.
   */
  | { kind: 'holdHistory'; holdId: string }
  /** A hold's event row: its data is the caller's JSON, which the table's check parses. */
  | { kind: 'holdEvent'; holdId: string }
  | { kind: 'storedResponse'; clientId: string; key: string }
  /** A table no job reads ahead (the audit log). */
  | { kind: 'unread' };

const responseKey = (clientId: string, key: string) => `${clientId.length}:${clientId}${key}`;

function result(rows: pg.QueryResultRow[]): pg.QueryResult {
  return { command: 'SELECT', rowCount: rows.length, oid: 0, fields: [], rows };
}

/** The literals of `values`, comma-separated, for an IN list (never empty: callers check). */
function list(values: Iterable<string>): string {
  return [...values].map(literal).join(', ');
}

function storable(reads: JobReads): boolean {
  const texts = [
    ...(reads.accounts ?? []),
    reads.hold ?? '',
    reads.dueOfAccount ?? '',
    reads.storedResponse?.clientId ?? '',
    reads.storedResponse?.key ?? '',
  ];
  return texts.every((text) => !text.includes('\u0000'));
}

/**
 * The rows a batch read ahead, as the database has them at the running job's point of the transaction:
 * a row is answered only while it is known exactly (a write that changes it in a way not mirrored
 * here drops it, and the job reads it from the database instead).
 */
export class BatchReads {
  /** null: read and absent. */
  private readonly accounts = new Map<string, AccountRow | null>();
  private readonly holds = new Map<string, HoldRow | null>();
  private readonly responses = new Map<string, StoredResponseRow | null>();
  /** A lower bound of the account's earliest deadline among active holds (null: none). */
  private readonly nextDue = new Map<string, number | null>();

  /**
   * The statements that read every job's declared reads (values as literals, for the simple query
   * that takes the chain head's lock), and what keeps their answers.
   */
  static load(jobReads: Array<JobReads | undefined>): {
    statements: string[];
    keep: (results: pg.QueryResult[]) => BatchReads;
  } {
    const accountIds = new Set<string>();
    const holdIds = new Set<string>();
    const responses = new Map<string, { clientId: string; key: string }>();
    const dueAccounts = new Set<string>();
    for (const reads of jobReads) {
      // A key no text column can hold (a NUL, from a request's path or body) is not read ahead: the
      // job reads it itself, and that statement's refusal is the job's alone.
      if (reads === undefined || !storable(reads)) continue;
      for (const id of reads.accounts ?? []) accountIds.add(id);
      if (reads.hold !== undefined) holdIds.add(reads.hold);
      if (reads.dueOfAccount !== undefined) dueAccounts.add(reads.dueOfAccount);
      const stored = reads.storedResponse;
      if (stored !== undefined) responses.set(responseKey(stored.clientId, stored.key), stored);
    }
    const statements: string[] = [];
    const readers: Array<(reads: BatchReads, found: pg.QueryResult) => void> = [];
    if (accountIds.size > 0 || holdIds.size > 0) {
      // The parties of the declared holds too: a settle moves their money and held amounts.
      const sources = [
        ...(accountIds.size > 0 ? [`SELECT unnest(ARRAY[${list(accountIds)}]::text[])`] : []),
        ...(holdIds.size > 0
          ? [
              `SELECT payer FROM holds WHERE id IN (${list(holdIds)})`,
              `SELECT payee FROM holds WHERE id IN (${list(holdIds)})`,
            ]
          : []),
      ];
      statements.push(`SELECT * FROM accounts WHERE id IN (${sources.join(' UNION ')})`);
      readers.push((reads, found) => {
        for (const id of accountIds) reads.accounts.set(id, null);
        for (const row of found.rows as AccountRow[]) reads.accounts.set(row.id, row);
      });
    }
    if (holdIds.size > 0) {
      statements.push(`SELECT ${holdSelect} FROM holds h WHERE h.id IN (${list(holdIds)})`);
      readers.push((reads, found) => {
        for (const id of holdIds) reads.holds.set(id, null);
        for (const row of found.rows as HoldRow[]) reads.holds.set(row.id, row);
      });
    }
    if (responses.size > 0) {
      const pairs = [...responses.values()].map(
        ({ clientId, key }) => `(${literal(clientId)}, ${literal(key)})`,
      );
      statements.push(
        `SELECT client_id, key, request_hash, status, body, created_at FROM idempotency
         WHERE (client_id, key) IN (${pairs.join(', ')})`,
      );
      readers.push((reads, found) => {
        for (const key of responses.keys()) reads.responses.set(key, null);
        for (const row of found.rows as Array<
          StoredResponseRow & { client_id: string; key: string }
        >) {
          const { client_id: clientId, key, ...stored } = row;
          reads.responses.set(responseKey(clientId, key), stored);
        }
      });
    }
    if (dueAccounts.size > 0) {
      const rows = [...dueAccounts].map((id) => `(${literal(id)})`).join(', ');
      statements.push(
        `SELECT a.id, (SELECT min(due_at) FROM holds
           WHERE status = 'active' AND (payer = a.id OR payee = a.id)) AS next
         FROM (VALUES ${rows}) AS a(id)`,
      );
      readers.push((reads, found) => {
        for (const row of found.rows as Array<{ id: string; next: number | null }>) {
          reads.nextDue.set(row.id, row.next);
        }
      });
    }
    return {
      statements,
      keep: (results) => {
        assert(results.length === statements.length, 'every batch read answered');
        const reads = new BatchReads();
        readers.forEach((read, i) => {
          const found = results[i];
          assert(found !== undefined, 'every batch read answered');
          read(reads, found);
        });
        return reads;
      },
    };
  }

  /**
   * The answer to a statement a job is about to send, if every row it reads is known here; undefined
   * sends it. Matched by name and text, so a changed statement is never answered from here.
   */
  answer(statement: Partial<Statement>): pg.QueryResult | undefined {
    const { name, text, values } = statement;
    if (name === undefined || text === undefined || values === undefined) return undefined;
    const [first, second] = values;
    if (name === 'dueAccount') return this.noneDue(text, values);
    if (typeof first !== 'string') return undefined;
    if (name === 'account' && text === accountStatement(first).text) {
      return this.accountRows([first]);
    }
    if (name === 'hold' && text === holdStatement(first).text) {
      const row = this.holds.get(first);
      return row === undefined ? undefined : result(row === null ? [] : [{ ...row }]);
    }
    if (name === 'dueHold' && typeof second === 'number') {
      if (text !== dueHoldStatement(first, second).text) return undefined;
      const row = this.holds.get(first);
      if (row === undefined) return undefined;
      const due = row !== null && row.status === 'active' && row.due_at <= second;
      return result(due ? [{ id: first }] : []);
    }
    if (name === 'getResponse' && typeof second === 'string') {
      if (text !== storedResponseStatement(first, second).text) return undefined;
      const row = this.responses.get(responseKey(first, second));
      return row === undefined ? undefined : result(row === null ? [] : [{ ...row }]);
    }
    const ids = values as string[];
    if (name.startsWith('accounts') && text === accountsStatement(ids).text) {
      return this.accountRows(ids);
    }
    return undefined;
  }

  private accountRows(ids: string[]): pg.QueryResult | undefined {
    const rows: AccountRow[] = [];
    for (const id of ids) {
      const row = this.accounts.get(id);
      if (row === undefined) return undefined;
      if (row !== null) rows.push({ ...row });
    }
    return result(rows);
  }

  /** dueHoldIds(at, { accountId }): no rows when the account's earliest deadline is after `at`. */
  private noneDue(text: string, values: unknown[]): pg.QueryResult | undefined {
    const [at, accountId, limit] = values;
    if (typeof at !== 'number' || typeof accountId !== 'string' || typeof limit !== 'number') {
      return undefined;
    }
    if (text !== dueAccountStatement(at, accountId, limit).text) return undefined;
    const next = this.nextDue.get(accountId);
    if (next === undefined || (next !== null && next <= at)) return undefined;
    return result([]);
  }

  /**
   * Mirrors a queued write; answers whether it is known to succeed (its check of the rows it changes,
   * and the table's checks), so that it may wait for a later round trip than its job's end.
   */
  apply(effect: WriteEffect): boolean {
    switch (effect.kind) {
      case 'held':
        return this.addTo(effect.accountId, 'held', effect.delta);
      case 'transfer': {
        const debited = this.addTo(effect.from, 'balance', -effect.amount);
        const credited = this.addTo(effect.to, 'balance', effect.amount);
        return debited && credited;
      }
      case 'hold': {
        const before = this.holds.get(effect.id);
        this.holds.delete(effect.id);
        // A new or moved deadline can only lower the earliest one; a closed hold can only raise it.
        if (effect.status === 'active') {
          for (const party of [effect.payer, effect.payee]) this.lowerNextDue(party, effect.dueAt);
        }
        if (effect.expectedVersion === undefined) return true;
        return before !== undefined && before !== null && before.version === effect.expectedVersion;
      }
      case 'storedResponse':
        this.responses.delete(responseKey(effect.clientId, effect.key));
        return true;
      case 'holdEvent':
        return false;
      case 'holdHistory':
      case 'unread':
        return true;
    }
  }

  /** Drops what a refused job's writes had changed here: later jobs read those rows again. */
  forget(effect: WriteEffect): void {
    if (effect.kind === 'held') this.accounts.delete(effect.accountId);
    if (effect.kind === 'transfer') {
      this.accounts.delete(effect.from);
      this.accounts.delete(effect.to);
    }
    if (effect.kind === 'hold') this.holds.delete(effect.id);
    if (effect.kind === 'holdHistory' || effect.kind === 'holdEvent')
      this.holds.delete(effect.holdId);
    if (effect.kind === 'storedResponse') {
      this.responses.delete(responseKey(effect.clientId, effect.key));
    }
  }

  /** A statement not mirrored here changed rows: nothing read ahead is known any more. */
  clear(): void {
    this.accounts.clear();
    this.holds.clear();
    this.responses.clear();
    this.nextDue.clear();
  }

  private addTo(id: string, column: 'held' | 'balance', delta: number): boolean {
    const row = this.accounts.get(id);
    if (row === undefined || row === null) return false;
    const value = row[column] + delta;
    assert(Number.isSafeInteger(value), `account ${id}: ${column} stays a safe integer`);
    const after = { ...row, [column]: value };
    this.accounts.set(id, after);
    // The table's own checks, statement by statement: a write that would fail one is not known to pass.
    return after.held >= 0 && (after.kind === 'issuer' || after.balance >= after.held);
  }

  private lowerNextDue(accountId: string, dueAt: number): void {
    if (!this.nextDue.has(accountId)) return;
    const next = this.nextDue.get(accountId) ?? null;
    this.nextDue.set(accountId, next === null ? dueAt : Math.min(next, dueAt));
  }
}
