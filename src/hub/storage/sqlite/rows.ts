// Row <-> record mapping for the SQLite adapter: parses JSON columns and asserts what it reads,
// so a corrupted row stops the hub instead of turning into a wrong balance.
import { assert } from '../../../shared/assert.ts';
import { yen, type Yen } from '../../../shared/money.ts';
import { dueAt } from '../records.ts';
import type {
  StoredResponse,
  AccountRecord,
  AuditRecord,
  ClientRecord,
  EntryRecord,
  HoldRecord,
  ScheduledAction,
} from '../records.ts';

export interface AccountRow {
  id: string;
  kind: AccountRecord['kind'];
  name: string;
  currency: string;
  balance: number;
  held: number;
  limits: string;
  blocked_categories: string;
  created_at: number;
}

export function accountFromRow(row: AccountRow): AccountRecord {
  assert(row.currency === 'JPY', `account ${row.id}: unknown currency`);
  assert(row.held >= 0, `account ${row.id}: negative held`);
  assert(
    row.kind === 'issuer' || row.balance >= row.held,
    `account ${row.id}: held exceeds balance`,
  );
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    currency: 'JPY',
    balance: yen(row.balance),
    held: yen(row.held),
    limits: JSON.parse(row.limits) as AccountRecord['limits'],
    blockedCategories: JSON.parse(row.blocked_categories) as string[],
    createdAt: row.created_at,
  };
}

export interface ClientRow {
  id: string;
  name: string;
  role: ClientRecord['role'];
  merchant_id: string | null;
  event_types: string;
  token_hash: Buffer;
  created_at: number;
  revoked_at: number | null;
}

/** An audit_log row as both drivers return it: the hash column is a Buffer. */
export type AuditRow = Omit<AuditRecord, 'hash'> & { hash: Buffer };

export function auditFromRow(row: AuditRow): AuditRecord {
  return { ...row, hash: new Uint8Array(row.hash) };
}

export function clientFromRow(row: ClientRow): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    merchantId: row.merchant_id,
    eventTypes: JSON.parse(row.event_types) as string[],
    tokenHash: new Uint8Array(row.token_hash),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** A row of the holds table: the hold's projection, without its history lists. */
export interface HoldColumnsRow {
  seq: number;
  id: string;
  status: HoldRecord['status'];
  payer: string;
  payee: string;
  amount: number;
  settled: number;
  refunded: number;
  reference: string;
  category: string | null;
  template: string | null;
  on_expiry: HoldRecord['onExpiry'];
  rules: string;
  expires_at: number;
  scheduled: string | null;
  due_at: number;
  authorized_max: number | null;
  created_at: number;
  updated_at: number;
  version: number;
  closed_by: HoldRecord['closedBy'];
}

/** A hold's row with its history lists gathered as JSON arrays (from hold_settlements, _refunds, _events). */
export interface HoldRow extends HoldColumnsRow {
  settlements: string;
  refunds: string;
  events: string;
}

/** A hold's history, in the order its rows were inserted. */
export type HoldHistoryLists = Pick<HoldRecord, 'settlements' | 'refunds' | 'events'>;

export function holdFromRow(row: HoldRow): HoldRecord {
  return holdFromColumns(row, {
    settlements: JSON.parse(row.settlements) as HoldRecord['settlements'],
    refunds: JSON.parse(row.refunds) as HoldRecord['refunds'],
    events: JSON.parse(row.events) as HoldRecord['events'],
  });
}

export function holdFromColumns(row: HoldColumnsRow, history: HoldHistoryLists): HoldRecord {
  assert(row.settled <= row.amount, `hold ${row.id}: settled beyond amount`);
  assert(row.refunded <= row.settled, `hold ${row.id}: refunded beyond settled`);
  return {
    id: row.id,
    status: row.status,
    payer: row.payer,
    payee: row.payee,
    amount: yen(row.amount),
    settled: yen(row.settled),
    refunded: yen(row.refunded),
    reference: row.reference,
    category: row.category,
    template: row.template,
    onExpiry: row.on_expiry,
    rules: JSON.parse(row.rules) as HoldRecord['rules'],
    expiresAt: row.expires_at,
    scheduled: row.scheduled === null ? null : (JSON.parse(row.scheduled) as ScheduledAction),
    authorizedMax: row.authorized_max === null ? null : yen(row.authorized_max),
    settlements: history.settlements,
    refunds: history.refunds,
    events: history.events,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    closedBy: row.closed_by,
  };
}

/** The hold's own columns; its settlements, refunds and events are rows of their own tables. */
export function holdToParams(hold: HoldRecord): Record<string, unknown> {
  return {
    id: hold.id,
    status: hold.status,
    payer: hold.payer,
    payee: hold.payee,
    amount: hold.amount,
    settled: hold.settled,
    refunded: hold.refunded,
    reference: hold.reference,
    category: hold.category,
    template: hold.template,
    on_expiry: hold.onExpiry,
    rules: JSON.stringify(hold.rules),
    expires_at: hold.expiresAt,
    scheduled: hold.scheduled === null ? null : JSON.stringify(hold.scheduled),
    due_at: dueAt(hold),
    authorized_max: hold.authorizedMax,
    created_at: hold.createdAt,
    updated_at: hold.updatedAt,
    version: hold.version,
    closed_by: hold.closedBy,
  };
}

export interface EntryRow {
  seq: number;
  id: string;
  transfer_id: string;
  account_id: string;
  counterparty_id: string;
  kind: EntryRecord['kind'];
  amount: number;
  balance_after: number;
  hold_id: string | null;
  at: number;
}

export function entryFromRow(row: EntryRow): EntryRecord {
  return {
    seq: row.seq,
    id: row.id,
    transferId: row.transfer_id,
    accountId: row.account_id,
    counterpartyId: row.counterparty_id,
    kind: row.kind,
    amount: yen(row.amount) as Yen,
    balanceAfter: yen(row.balance_after),
    holdId: row.hold_id,
    at: row.at,
  };
}

export interface StoredResponseRow {
  request_hash: Uint8Array;
  status: number;
  body: string;
  created_at: number;
}

export function storedResponseFromRow(row: StoredResponseRow): StoredResponse {
  return {
    requestHash: new Uint8Array(row.request_hash),
    status: row.status,
    body: row.body,
    createdAt: row.created_at,
  };
}
