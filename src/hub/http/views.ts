// Records -> the JSON shapes of API.md. The only place that turns epoch ms into ISO strings
// and computes derived fields (remaining, available) for clients.
import type {
  AccountView,
  ClientView,
  EntryView,
  HoldView,
  StandingLimitView,
} from '../../shared/hub-api.ts';
import { subYen } from '../../shared/money.ts';
import { isoTime } from '../clock.ts';
import type {
  AccountRecord,
  ClientRecord,
  EntryRecord,
  HoldRecord,
  StandingLimitRecord,
} from '../storage/records.ts';
import { remainingOf } from '../ledger/transitions.ts';
import { assert } from '../../shared/assert.ts';

export function holdView(hold: HoldRecord): HoldView {
  return {
    id: hold.id,
    status: hold.status,
    payer: hold.payer,
    payee: hold.payee,
    currency: 'JPY',
    amount: hold.amount,
    settled: hold.settled,
    refunded: hold.refunded,
    remaining: remainingOf(hold),
    reference: hold.reference,
    ...(hold.category === null ? {} : { category: hold.category }),
    expiresAt: isoTime(hold.expiresAt),
    onExpiry: hold.onExpiry,
    rules: hold.rules,
    ...(hold.template === null ? {} : { template: hold.template }),
    scheduled:
      hold.scheduled === null
        ? null
        : { action: hold.scheduled.action, at: isoTime(hold.scheduled.at), on: hold.scheduled.on },
    settlements: hold.settlements.map((s) => ({ id: s.id, amount: s.amount, at: isoTime(s.at) })),
    refunds: hold.refunds.map((r) => ({ id: r.id, amount: r.amount, at: isoTime(r.at) })),
    events: hold.events.map((e) => ({ type: e.type, at: isoTime(e.at), data: e.data })),
    createdAt: isoTime(hold.createdAt),
    updatedAt: isoTime(hold.updatedAt),
  };
}

export function accountView(account: AccountRecord): AccountView {
  assert(account.kind !== 'issuer', 'the issuer account is never shown');
  return {
    id: account.id,
    kind: account.kind,
    name: account.name,
    currency: 'JPY',
    balance: account.balance,
    held: account.held,
    available: subYen(account.balance, account.held),
    limits: account.limits,
    blockedCategories: account.blockedCategories,
    createdAt: isoTime(account.createdAt),
  };
}

export function entryView(entry: EntryRecord): EntryView {
  return {
    id: entry.id,
    transferId: entry.transferId,
    accountId: entry.accountId,
    counterpartyId: entry.counterpartyId,
    kind: entry.kind,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    holdId: entry.holdId,
    at: isoTime(entry.at),
  };
}

export function clientView(client: ClientRecord): ClientView {
  return {
    id: client.id,
    name: client.name,
    role: client.role,
    merchantId: client.merchantId,
    eventTypes: client.eventTypes,
    createdAt: isoTime(client.createdAt),
    revokedAt: client.revokedAt === null ? null : isoTime(client.revokedAt),
  };
}

export function standingLimitView(limit: StandingLimitRecord): StandingLimitView {
  return {
    id: limit.id,
    payer: limit.payer,
    payee: limit.payee,
    amountPerPeriod: limit.amountPerPeriod,
    periodSeconds: limit.periodSeconds,
    expiresAt: isoTime(limit.expiresAt),
    createdAt: isoTime(limit.createdAt),
    revokedAt: limit.revokedAt === null ? null : isoTime(limit.revokedAt),
  };
}
