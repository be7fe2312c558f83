// The hub's stored records, shared by every storage adapter and the ledger rules.
// Times are epoch milliseconds; money is Yen; JSON columns are already parsed here.
import type { Yen } from '../../shared/money.ts';
import type { AuditRowContent } from '../audit/chain.ts';
import type { AccountLimits, Role, Rule, HoldStatus } from '../../shared/hub-api.ts';

export type StoredAccountKind = 'issuer' | 'person' | 'merchant' | 'escrow';

export interface ClientRecord {
  id: string;
  name: string;
  role: Role;
  merchantId: string | null;
  eventTypes: string[];
  tokenHash: Uint8Array;
  createdAt: number;
  /** When the admin revoked the client; its token is refused from then on. */
  revokedAt: number | null;
}

export interface AccountRecord {
  id: string;
  kind: StoredAccountKind;
  name: string;
  currency: 'JPY';
  balance: Yen;
  held: Yen;
  limits: AccountLimits;
  blockedCategories: string[];
  createdAt: number;
}

export interface ScheduledAction {
  on: string;
  action: 'settle' | 'release';
  amount: Yen | 'remaining';
  /** The rule's `final` (a settle of a fixed amount closes the hold only then); absent in older rows. */
  final?: boolean;
  at: number;
}

export interface MoneyMark {
  id: string;
  amount: Yen;
  at: number;
}

export interface HoldEventMark {
  type: string;
  at: number;
  data: Record<string, unknown>;
}

export interface HoldRecord {
  id: string;
  status: HoldStatus;
  payer: string;
  payee: string;
  amount: Yen;
  settled: Yen;
  refunded: Yen;
  reference: string;
  category: string | null;
  template: string | null;
  onExpiry: 'release' | 'settle';
  rules: Rule[];
  expiresAt: number;
  scheduled: ScheduledAction | null;
  /** Upper bound a payer authorised for this hold; null when no authorisation was needed. */
  authorizedMax: Yen | null;
  settlements: MoneyMark[];
  refunds: MoneyMark[];
  events: HoldEventMark[];
  createdAt: number;
  updatedAt: number;
  version: number;
  /** What closed the hold: a client call, an event's rule, expiry, or a delayed rule action. */
  closedBy: 'client' | 'rule' | 'expiry' | 'schedule' | null;
}

export type TransferKind = 'deposit' | 'settlement' | 'refund';

export interface TransferRecord {
  id: string;
  kind: TransferKind;
  from: string;
  to: string;
  amount: Yen;
  holdId: string | null;
  at: number;
}

export interface EntryRecord {
  seq: number;
  id: string;
  transferId: string;
  accountId: string;
  counterpartyId: string;
  kind: TransferKind;
  amount: Yen;
  balanceAfter: Yen;
  holdId: string | null;
  at: number;
}

export interface StoredResponse {
  requestHash: Uint8Array;
  status: number;
  body: string;
  createdAt: number;
  /**
   * The person whose view `body` is (an enrolment's answer), written with it: erasing that person cuts
   * the stored body down to `{"id"}` (deletePerson). Not read back.
   */
  personId?: string;
}

/**
 * What an erased person's stored enrolment answer becomes: their id alone, which is what a replay under
 * its key needs to refuse it as person_erased (identity/routes.ts), and nothing else of them.
 */
export function erasedPersonAnswer(personId: string): string {
  return JSON.stringify({ id: personId });
}

/** An audit row as stored: the chained content and its HMAC. */
export interface AuditRecord extends AuditRowContent {
  hash: Uint8Array;
}

export const issuerAccountId = '__issuer';

/** The hold's next deadline: its scheduled action or its expiry, whichever comes first. */
export function dueAt(hold: Pick<HoldRecord, 'scheduled' | 'expiresAt'>): number {
  return hold.scheduled === null ? hold.expiresAt : Math.min(hold.scheduled.at, hold.expiresAt);
}

/** A payer's standing permission for one payee to place holds up to an amount per rolling period. */
export interface StandingLimitRecord {
  id: string;
  payer: string;
  payee: string;
  amountPerPeriod: Yen;
  periodSeconds: number;
  expiresAt: number;
  createdBy: string;
  createdAt: number;
  /** Set once when the payer (or admin) revoked it, or a newer limit for the pair replaced it. */
  revokedAt: number | null;
  revokedBy: string | null;
}
