// The ledger rules: placing, increasing, settling, releasing, refunding and expiring holds, deposits,
// accounts and clients. Each method runs inside one storage transaction handed in by the caller.
import { assert } from '../../shared/assert.ts';
import { addYen, minYen, subYen, yen, type Yen } from '../../shared/money.ts';
import {
  accountDailyWindowSeconds,
  expirySweepBatchMax,
  holdEventsMax,
  holdLifetimeSecondsMax,
  holdRefundsMax,
  holdSettlementsMax,
  issuedMinorMax,
} from '../../shared/limits.ts';
import type {
  CreateAccountRequest,
  CreateStandingLimitRequest,
  HoldEventRequest,
  PlaceHoldRequest,
  Rule,
} from '../../shared/hub-api.ts';
import type { StoreTx } from '../storage/port.ts';
import {
  dueAt,
  issuerAccountId,
  type AccountRecord,
  type ClientRecord,
  type HoldRecord,
  type StandingLimitRecord,
} from '../storage/records.ts';
import { refuse } from '../errors.ts';
import { newId } from '../ids.ts';
import { isoTime, type Clock } from '../clock.ts';
import { categoryCovers, categoryMinimumAgeYears } from '../../shared/categories.ts';
import { chooseRule, expandTemplate, expiryRule, validateRules } from './rules.ts';
import { placedKeyHash } from './placed-key.ts';
import * as T from './transitions.ts';
import {
  checkStandingLimit,
  grantStandingLimit,
  revokeStandingLimit,
  type StandingConsents,
} from './consent.ts';

/**
 * Checks a payment authorisation for a hold debiting a person account (Identity, API.md), and a
 * person's face + PIN consent to a standing limit.
 */
export interface PaymentAuthorizations extends StandingConsents {
  consume(
    tx: StoreTx,
    token: string,
    bound: { payer: string; payee: string; amount: Yen; at: number },
  ): Promise<'ok' | 'invalid'>;
}

/** Whether the payer is old enough for an age-restricted category (Identity: verified date of birth). */
export interface AgeVerifier {
  ageAllows(tx: StoreTx, payerAccountId: string, category: string, at: number): Promise<boolean>;
}

/** Without an identity module no date of birth is verified: restricted categories are refused. */
export const noAgeVerification: AgeVerifier = {
  ageAllows: async (_tx, _payer, category) => categoryMinimumAgeYears(category) === undefined,
};

/** Used until an identity module issues authorisations: no token can be valid. */
export const noPaymentAuthorizations: PaymentAuthorizations = {
  consume: async () => 'invalid',
  consumeStandingConsent: async () => 'invalid',
};

/** Admin sees every account; any other client only the account it acts for. The issuer is never shown. */
export function canSeeAccount(client: ClientRecord, account: AccountRecord): boolean {
  if (account.kind === 'issuer') return false;
  return client.role === 'admin' || client.merchantId === account.id;
}

/** A hold is visible to admin and to clients acting for its payer or payee; to others it does not exist. */
export function canSeeHold(client: ClientRecord, hold: HoldRecord): boolean {
  return (
    client.role === 'admin' || client.merchantId === hold.payee || client.merchantId === hold.payer
  );
}

function canManage(client: ClientRecord, hold: HoldRecord): boolean {
  return (
    client.role === 'admin' || (client.role === 'merchant' && client.merchantId === hold.payee)
  );
}

export class Ledger {
  constructor(
    private readonly clock: Clock,
    private readonly authorizations: PaymentAuthorizations = noPaymentAuthorizations,
    private readonly ages: AgeVerifier = noAgeVerification,
  ) {}

  now(): number {
    return this.clock.now();
  }

  // ---- clients -----------------------------------------------------------------------------

  /** Records a client (only its token's hash) and the fact in the audit log; `actor` is who made it. */
  async createClient(
    tx: StoreTx,
    actor: string,
    client: Pick<ClientRecord, 'name' | 'role' | 'merchantId' | 'eventTypes' | 'tokenHash'>,
  ): Promise<ClientRecord> {
    if (client.merchantId !== null) {
      const account = await tx.getAccount(client.merchantId);
      if (account === undefined || account.kind === 'issuer') {
        refuse('invalid_request', 'merchantId names no account');
      }
    }
    const record: ClientRecord = {
      ...client,
      id: newId('cli'),
      eventTypes: [...new Set(client.eventTypes)],
      createdAt: this.now(),
      revokedAt: null,
    };
    await tx.insertClient(record);
    await tx.appendAudit({
      at: record.createdAt,
      kind: 'client.created',
      subject: record.id,
      actor,
      data: { role: record.role, merchantId: record.merchantId },
    });
    return record;
  }

  // ---- accounts and deposits -------------------------------------------------------------

  async createAccount(
    tx: StoreTx,
    caller: ClientRecord,
    request: CreateAccountRequest,
  ): Promise<AccountRecord> {
    const id = request.id ?? newId('acc');
    if ((await tx.getAccount(id)) !== undefined)
      refuse('account_exists', `account ${id} already exists`);
    const account: AccountRecord = {
      id,
      kind: request.kind,
      name: request.name,
      currency: 'JPY',
      balance: yen(0),
      held: yen(0),
      limits: request.limits ?? {},
      blockedCategories: [...new Set(request.blockedCategories ?? [])],
      createdAt: this.now(),
    };
    await tx.insertAccount(account);
    await tx.appendAudit({
      at: account.createdAt,
      kind: 'account.created',
      subject: id,
      actor: caller.id,
      data: { kind: account.kind },
    });
    return account;
  }

  async deposit(
    tx: StoreTx,
    caller: ClientRecord,
    accountId: string,
    amount: Yen,
  ): Promise<AccountRecord> {
    const account = await this.visibleAccount(tx, caller, accountId);
    await checkIssuable(tx, amount);
    const at = this.now();
    const transferId = newId('trf');
    await tx.transfer({
      id: transferId,
      kind: 'deposit',
      from: issuerAccountId,
      to: account.id,
      amount,
      holdId: null,
      at,
    });
    await tx.appendAudit({
      at,
      kind: 'account.deposited',
      subject: account.id,
      actor: caller.id,
      data: { amount, transferId },
    });
    const after = await tx.getAccount(account.id);
    assert(
      after !== undefined && after.balance === addYen(account.balance, amount),
      'deposit credited',
    );
    return after;
  }

  /** The account as this client may see it, with its due holds expired first so `held` is exact. */
  async visibleAccount(
    tx: StoreTx,
    caller: ClientRecord,
    accountId: string,
  ): Promise<AccountRecord> {
    const account = await tx.getAccount(accountId);
    if (account === undefined || !canSeeAccount(caller, account)) {
      refuse('not_found', `account ${accountId} not found`);
    }
    await this.expireDue(tx, { accountId });
    const fresh = await tx.getAccount(accountId);
    assert(fresh !== undefined, 'account still exists');
    return fresh;
  }

  // ---- holds -------------------------------------------------------------------------------

  /** `idempotencyKey`: the key the caller placed it under, which the hold keeps (placed-key.ts). */
  async placeHold(
    tx: StoreTx,
    caller: ClientRecord,
    request: PlaceHoldRequest,
    idempotencyKey: string | null = null,
  ): Promise<HoldRecord> {
    if (
      caller.role !== 'admin' &&
      !(caller.role === 'merchant' && caller.merchantId === request.payee)
    ) {
      refuse('forbidden', 'only the payee merchant (or admin) places holds for it');
    }
    if (request.payer === request.payee) refuse('invalid_request', 'payer and payee must differ');
    if (request.template !== undefined && request.rules !== undefined) {
      refuse('invalid_request', 'give either "template" or "rules", not both');
    }
    const at = this.now();
    const template = request.template === undefined ? undefined : expandTemplate(request.template);
    const rules: Rule[] = template?.rules ?? request.rules ?? [];
    validateRules(rules);
    const expiresAt = template?.expiresAt ?? at + request.expiresInSeconds * 1000;
    if (expiresAt <= at) refuse('invalid_request', 'the hold would expire before it is placed');
    if (expiresAt > at + holdLifetimeSecondsMax * 1000)
      refuse('invalid_request', 'hold lifetime over a year');

    // Both parties in one read (one round trip on PostgreSQL), refused in the same order as before.
    const [payerRead, payeeRead] = await tx.getAccounts([request.payer, request.payee]);
    const payerBefore = holdPartyOf(payerRead, request.payer, 'payer');
    holdPartyOf(payeeRead, request.payee, 'payee');
    const authorizedMax = await this.checkAuthorization(tx, caller, request, payerBefore, at);
    // Deadlines that passed free or move the payer's money: run them, then read the payer again if
    // any did. If none did, the first read stands: nothing since changed the account (writers run one
    // at a time, and an authorization or standing-limit check only reads it).
    const expired = await this.expireDue(tx, { accountId: request.payer }, at);
    const payer = expired === 0 ? payerBefore : await this.holdParty(tx, request.payer, 'payer');
    await this.checkPayerCanCommit(tx, payer, {
      category: request.category,
      total: request.amount,
      delta: request.amount as Yen,
      at,
    });

    const hold: HoldRecord = {
      id: newId('hold'),
      status: 'active',
      payer: payer.id,
      payee: request.payee,
      amount: request.amount as Yen,
      settled: yen(0),
      refunded: yen(0),
      reference: request.reference,
      category: request.category ?? null,
      template: request.template?.name ?? null,
      onExpiry: expiryRule({ rules, onExpiry: request.onExpiry ?? 'release' }).action,
      rules,
      expiresAt,
      scheduled: null,
      authorizedMax,
      settlements: [],
      refunds: [],
      events: [],
      createdAt: at,
      updatedAt: at,
      version: 1,
      closedBy: null,
    };
    await tx.insertHold(
      hold,
      idempotencyKey === null ? null : placedKeyHash(caller.id, idempotencyKey),
    );
    await tx.addHeld(payer.id, hold.amount);
    await tx.appendAudit({
      at,
      kind: 'hold.placed',
      subject: hold.id,
      actor: caller.id,
      data: {
        payer: hold.payer,
        payee: hold.payee,
        amount: hold.amount,
        expiresAt,
        template: hold.template,
      },
    });
    if (template?.settleOnPlace === true) {
      return this.apply(
        tx,
        hold,
        T.settle(hold, { amount: hold.amount, final: true, at, closedBy: 'client' }),
        caller.id,
        'hold.settled',
      );
    }
    return hold;
  }

  async increase(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    amount: Yen,
    authorization?: string,
  ): Promise<HoldRecord> {
    // One instant for the whole request: the hold is open at it, and the raise is stamped with it.
    const at = this.now();
    const hold = await this.activeHold(tx, caller, holdId, { at });
    if (amount <= hold.amount)
      refuse('not_an_increase', `new total ${amount} is not above ${hold.amount}`);
    await this.expireDue(tx, { accountId: hold.payer }, at);
    const freshPayer = await tx.getAccount(hold.payer);
    assert(freshPayer !== undefined, 'payer exists');
    await this.checkIncreaseConsent(tx, caller, hold, {
      amount,
      authorization,
      payer: freshPayer,
      at,
    });
    await this.checkPayerCanCommit(tx, freshPayer, {
      category: hold.category ?? undefined,
      total: amount,
      delta: subYen(amount, hold.amount),
      at,
    });
    return this.apply(tx, hold, T.increase(hold, { amount, at }), caller.id, 'hold.increased');
  }

  async settle(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    amount: Yen,
    final: boolean,
  ): Promise<HoldRecord> {
    const at = this.now();
    const hold = await this.activeHold(tx, caller, holdId, { at });
    this.checkSettlement(hold, amount);
    const transition = T.settle(hold, { amount, final, at, closedBy: 'client' });
    return this.apply(tx, hold, transition, caller.id, 'hold.settled');
  }

  async release(tx: StoreTx, caller: ClientRecord, holdId: string): Promise<HoldRecord> {
    const at = this.now();
    const hold = await this.activeHold(tx, caller, holdId, { at });
    return this.apply(
      tx,
      hold,
      T.release(hold, { at, closedBy: 'client' }),
      caller.id,
      'hold.released',
    );
  }

  async refund(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    amount: Yen,
  ): Promise<HoldRecord> {
    const at = this.now();
    const hold = await this.managedHold(tx, caller, holdId, at);
    const refundable = subYen(hold.settled, hold.refunded);
    if (amount > refundable) refuse('exceeds_refundable', `at most ${refundable} can be refunded`);
    if (hold.refunds.length >= holdRefundsMax) {
      refuse('too_many_refunds', `a hold takes at most ${holdRefundsMax} refunds`);
    }
    await this.expireDue(tx, { accountId: hold.payee }, at);
    const payee = await tx.getAccount(hold.payee);
    assert(payee !== undefined, 'payee exists');
    if (subYen(payee.balance, payee.held) < amount) {
      refuse('insufficient_funds', 'the payee has not enough available money for this refund');
    }
    const current = await tx.getHold(holdId);
    assert(current !== undefined, 'hold exists');
    return this.apply(tx, current, T.refund(current, { amount, at }), caller.id, 'hold.refunded');
  }

  async event(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    event: HoldEventRequest,
  ): Promise<HoldRecord> {
    const at = this.now();
    const hold = await this.activeHold(tx, caller, holdId, { allowSenders: true, at });
    const choice = chooseRule(hold, event.type, caller);
    if ('refusal' in choice) {
      if (choice.refusal === 'forbidden')
        refuse('forbidden', `this client may not send ${event.type} to this hold`);
      refuse('no_matching_rule', `no rule of this hold runs on ${event.type}`);
    }
    if (hold.events.length >= holdEventsMax)
      refuse('too_many_events', 'this hold has recorded its maximum of events');
    const recorded: HoldRecord = {
      ...hold,
      events: [...hold.events, { type: event.type, at, data: event.data ?? {} }],
    };
    const transition = this.runRule(recorded, choice.rule, event, { at, caller });
    return this.apply(tx, hold, transition, caller.id, 'hold.event', {
      type: event.type,
      rule: choice.rule.action,
    });
  }

  private runRule(
    hold: HoldRecord,
    rule: Rule,
    event: HoldEventRequest,
    { at, caller }: { at: number; caller: ClientRecord },
  ): T.Transition {
    const remaining = T.remainingOf(hold);
    if (rule.delaySeconds !== undefined) {
      if (hold.scheduled !== null)
        refuse(
          'action_scheduled',
          'this hold already has an action scheduled; it runs at its time unless the hold closes first',
        );
      return this.schedule(hold, rule, at, caller);
    }
    if (rule.action === 'release') return T.release(hold, { at, closedBy: 'rule' });
    let amount: Yen;
    if (rule.amount === 'event') {
      if (event.data?.amount === undefined)
        refuse('invalid_request', `${event.type} needs data.amount`);
      amount = event.data.amount as Yen;
    } else {
      amount =
        rule.amount === undefined || rule.amount === 'remaining' ? remaining : (rule.amount as Yen);
    }
    this.checkSettlement(hold, amount);
    return T.settle(hold, { amount, final: rule.final === true, at, closedBy: 'rule' });
  }

  /**
   * A delayed rule (escrow's return window): record when it runs. It never runs after the hold expires:
   * only the payer's own client (or admin) may keep the payer's money held past `expiresAt` for it (the
   * buyer's goods.received), and never past a year after placing (holdLifetimeSecondsMax); anyone else's
   * event, or one whose full delay would not fit in that year, is refused with nothing changed, so no
   * payee stretches a short hold and no return window ends before its time.
   */
  private schedule(hold: HoldRecord, rule: Rule, at: number, caller: ClientRecord): T.Transition {
    assert(rule.delaySeconds !== undefined && rule.amount !== 'event', 'schedulable rule');
    const runAt = at + rule.delaySeconds * 1000;
    if (runAt > hold.expiresAt) {
      const payersOwn = caller.role === 'admin' || caller.merchantId === hold.payer;
      if (!payersOwn) {
        refuse(
          'delay_past_expiry',
          `${rule.on} would run its ${rule.action} at ${isoTime(runAt)}, after the hold expires at ` +
            `${isoTime(hold.expiresAt)}; only the payer may hold its money longer`,
        );
      }
      const latest = hold.createdAt + holdLifetimeSecondsMax * 1000;
      if (runAt > latest) {
        refuse(
          'delay_past_expiry',
          `${rule.on} would run its ${rule.action} at ${isoTime(runAt)}, past the hold's one-year ` +
            `lifetime (${isoTime(latest)}); its delay of ${rule.delaySeconds} s no longer fits`,
        );
      }
    }
    const amount =
      rule.amount === undefined || rule.amount === 'remaining' ? 'remaining' : (rule.amount as Yen);
    return {
      hold: {
        ...hold,
        scheduled: {
          on: rule.on,
          action: rule.action,
          amount,
          final: rule.final === true,
          at: runAt,
        },
        expiresAt: Math.max(hold.expiresAt, runAt),
        updatedAt: at,
        version: hold.version + 1,
      },
      transfers: [],
      payerHeldDelta: yen(0),
    };
  }

  // ---- expiry ------------------------------------------------------------------------------

  /**
   * Runs every deadline that has passed (scope: one hold, one account, or a batch of all); answers how many
   * holds it closed. In a batch of all (the sweep, a listing of holds) each hold expires under its own
   * savepoint: one that cannot (a fault of the hub's, a damaged row) is skipped and reported, so it does
   * not stop every other hold's deadline; within one hold's or one account's scope its failure is answered.
   */
  async expireDue(
    tx: StoreTx,
    scope: { holdId?: string; accountId?: string },
    at: number = this.now(),
  ): Promise<number> {
    // Each deadline of the hold that passed by `at`, in order: a scheduled settle that leaves the hold
    // open (a fixed amount, not final) can be followed by its expiry.
    const expire = async (id: string) => {
      let hold = await tx.getHold(id);
      assert(hold !== undefined && hold.status === 'active', 'due hold is active');
      do {
        hold = await this.apply(tx, hold, this.deadlineTransition(hold), 'hub', 'hold.expired');
      } while (hold.status === 'active' && dueAt(hold) <= at);
    };
    if (scope.holdId !== undefined || scope.accountId !== undefined) {
      // A write's own scope runs every due deadline, a batch at a time, before it reads the money:
      // one batch left the payer's 501st expired hold still held.
      let expired = 0;
      for (;;) {
        const ids = await tx.dueHoldIds(at, scope, expirySweepBatchMax);
        for (const id of ids) await expire(id);
        expired += ids.length;
        if (ids.length < expirySweepBatchMax) return expired;
      }
    }
    const ids = await tx.dueHoldIds(at, scope, expirySweepBatchMax);
    let expired = 0;
    for (const id of ids) {
      try {
        await tx.nested(() => expire(id));
        expired += 1;
      } catch (error) {
        process.stderr.write(`ledger: hold ${id} could not expire: ${(error as Error).message}\n`);
      }
    }
    return expired;
  }

  /** What happens at the hold's next deadline, timed at the deadline itself: expiry is exact. */
  private deadlineTransition(hold: HoldRecord): T.Transition {
    const scheduled = hold.scheduled;
    if (scheduled !== null && scheduled.at <= hold.expiresAt) {
      if (scheduled.action === 'release')
        return T.release(hold, { at: scheduled.at, closedBy: 'schedule' });
      // At the most settlements (the payee's own parts), the rest goes back as at expiry: a 51st would not
      // be recorded, and a deadline that cannot run would hold the money and stop every sweep.
      if (hold.settlements.length >= holdSettlementsMax)
        return T.release(hold, { at: scheduled.at, closedBy: 'schedule' });
      const remaining = T.remainingOf(hold);
      const amount =
        scheduled.amount === 'remaining' ? remaining : minYen(scheduled.amount, remaining);
      // As the immediate rule would: a fixed amount closes the hold only if `final` (or nothing remains);
      // left open, the hold has nothing scheduled and runs to its expiry.
      const final = scheduled.final ?? scheduledRuleFinal(hold, scheduled.on);
      const settled = T.settle(hold, { amount, final, at: scheduled.at, closedBy: 'schedule' });
      if (settled.hold.status !== 'active') return settled;
      return { ...settled, hold: { ...settled.hold, scheduled: null } };
    }
    const rule = expiryRule(hold);
    const at = hold.expiresAt;
    if (rule.action === 'release')
      return T.release(hold, { at, closedBy: 'expiry', expired: true });
    const remaining = T.remainingOf(hold);
    const amount =
      typeof rule.amount === 'number' ? minYen(rule.amount as Yen, remaining) : remaining;
    if (hold.settlements.length >= holdSettlementsMax) {
      return T.release(hold, { at, closedBy: 'expiry', expired: true });
    }
    return T.settle(hold, { amount, final: true, at, closedBy: 'expiry' });
  }

  // ---- shared steps --------------------------------------------------------------------------

  private async apply(
    tx: StoreTx,
    before: HoldRecord,
    transition: T.Transition,
    actor: string,
    kind: string,
    extra: Record<string, unknown> = {},
  ): Promise<HoldRecord> {
    const after = transition.hold;
    assert(after.version === before.version + 1, 'one version step per transition');
    assert(
      after.settled <= after.amount && after.refunded <= after.settled,
      'hold amounts consistent',
    );
    // Unlock before moving and lock after, so balance >= held holds after every statement.
    if (transition.payerHeldDelta < 0) await tx.addHeld(after.payer, transition.payerHeldDelta);
    for (const transfer of transition.transfers) await tx.transfer(transfer);
    if (transition.payerHeldDelta > 0) await tx.addHeld(after.payer, transition.payerHeldDelta);
    await tx.updateHold(before, after, kind);
    await tx.appendAudit({
      at: after.updatedAt,
      kind,
      subject: after.id,
      actor,
      data: {
        ...extra,
        status: after.status,
        amount: after.amount,
        settled: after.settled,
        refunded: after.refunded,
        moved: transition.transfers.map((t) => ({
          kind: t.kind,
          from: t.from,
          to: t.to,
          amount: t.amount,
        })),
      },
    });
    return after;
  }

  private async holdParty(
    tx: StoreTx,
    id: string,
    role: 'payer' | 'payee',
  ): Promise<AccountRecord> {
    return holdPartyOf(await tx.getAccount(id), id, role);
  }

  /**
   * Who lets this hold debit the payer: admin always; otherwise a single-use payment authorization
   * (face or PIN at a kiosk, person accounts) or the payer's standing limit for this payee.
   * Returns the amount the payer allowed (an increase beyond it needs a new authorization).
   */
  private async checkAuthorization(
    tx: StoreTx,
    caller: ClientRecord,
    request: PlaceHoldRequest,
    payer: AccountRecord,
    at: number,
  ): Promise<Yen | null> {
    if (caller.role === 'admin') return null;
    const amount = request.amount as Yen;
    if (request.authorization !== undefined && payer.kind === 'person') {
      const bound = { payer: request.payer, payee: request.payee, amount, at };
      const verdict = await this.authorizations.consume(tx, request.authorization, bound);
      if (verdict !== 'ok')
        refuse(
          'authorization_invalid',
          'the authorization is unknown, used, expired or for another payment',
        );
      return amount;
    }
    await checkStandingLimit(tx, { payer: request.payer, payee: request.payee, amount, at });
    return amount;
  }

  /**
   * A raise takes more of the payer's money than they agreed to, whoever placed the hold, so anyone
   * but admin needs the payer's consent to it: a fresh payment authorization for the new total (a
   * person payer), or the payer's standing limit for this payee with room for the raise in its period.
   */
  private async checkIncreaseConsent(
    tx: StoreTx,
    caller: ClientRecord,
    hold: HoldRecord,
    raise: { amount: Yen; authorization: string | undefined; payer: AccountRecord; at: number },
  ): Promise<void> {
    if (caller.role === 'admin') return;
    const at = raise.at;
    if (raise.authorization !== undefined && raise.payer.kind === 'person') {
      const bound = { payer: hold.payer, payee: hold.payee, amount: raise.amount, at };
      const verdict = await this.authorizations.consume(tx, raise.authorization, bound);
      if (verdict !== 'ok')
        refuse(
          'authorization_invalid',
          'the authorization is unknown, used, expired or for another payment',
        );
      return;
    }
    const delta = subYen(raise.amount, hold.amount);
    await checkStandingLimit(tx, { payer: hold.payer, payee: hold.payee, amount: delta, at });
  }

  /** Records the payer's standing consent to the payee's holds (see consent.ts for who may). */
  async createStandingLimit(
    tx: StoreTx,
    caller: ClientRecord,
    request: CreateStandingLimitRequest,
  ): Promise<StandingLimitRecord> {
    return grantStandingLimit(tx, this.authorizations, caller, { ...request, at: this.now() });
  }

  async revokeStandingLimit(tx: StoreTx, caller: ClientRecord, id: string): Promise<void> {
    await revokeStandingLimit(tx, caller, id, this.now());
  }

  private async checkPayerCanCommit(
    tx: StoreTx,
    payer: AccountRecord,
    change: { category: string | undefined; total: number; delta: Yen; at: number },
  ): Promise<void> {
    const category = change.category;
    // A block on a category covers its sub-categories (`alcohol` blocks `alcohol.beer`).
    const block = payer.blockedCategories.find(
      (b) => category !== undefined && categoryCovers(b, category),
    );
    if (block !== undefined) {
      refuse('category_blocked', `the payer blocks category ${block} (this hold: ${category})`);
    }
    if (
      change.category !== undefined &&
      !(await this.ages.ageAllows(tx, payer.id, change.category, change.at))
    ) {
      refuse('age_restricted', `the payer is not verified old enough for ${change.category}`);
    }
    const { perPaymentMax, dailyMax } = payer.limits;
    if (perPaymentMax !== undefined && change.total > perPaymentMax) {
      refuse('limit_exceeded', `over the payer's per-payment limit of ${perPaymentMax}`);
    }
    if (dailyMax !== undefined) {
      const since = change.at - accountDailyWindowSeconds * 1000;
      const committed = await tx.payerCommittedSince(payer.id, since);
      if (addYen(committed, change.delta) > dailyMax)
        refuse('limit_exceeded', `over the payer's daily limit of ${dailyMax}`);
    }
    if (subYen(payer.balance, payer.held) < change.delta)
      refuse('insufficient_funds', 'the payer has not enough available money');
  }

  private checkSettlement(hold: HoldRecord, amount: Yen): void {
    const remaining = T.remainingOf(hold);
    if (amount > remaining)
      refuse('exceeds_remaining', `at most ${remaining} remains on this hold`);
    if (hold.settlements.length >= holdSettlementsMax) {
      refuse('too_many_settlements', `a hold takes at most ${holdSettlementsMax} settlements`);
    }
  }

  /** The hold if this client may see it, after its passed deadlines ran. */
  async visibleHold(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    at: number = this.now(),
  ): Promise<HoldRecord> {
    const hold = await tx.getHold(holdId);
    if (hold === undefined || !canSeeHold(caller, hold))
      refuse('not_found', `hold ${holdId} not found`);
    if (hold.status === 'active' && dueAt(hold) <= at) {
      await this.expireDue(tx, { holdId }, at);
      const fresh = await tx.getHold(holdId);
      assert(fresh !== undefined, 'hold still exists');
      return fresh;
    }
    return hold;
  }

  private async managedHold(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    at: number,
  ): Promise<HoldRecord> {
    const hold = await this.visibleHold(tx, caller, holdId, at);
    if (!canManage(caller, hold))
      refuse('forbidden', 'only the payee merchant (or admin) acts on this hold');
    return hold;
  }

  private async activeHold(
    tx: StoreTx,
    caller: ClientRecord,
    holdId: string,
    options: { allowSenders?: boolean; at: number },
  ): Promise<HoldRecord> {
    const hold =
      options.allowSenders === true
        ? await this.visibleHold(tx, caller, holdId, options.at)
        : await this.managedHold(tx, caller, holdId, options.at);
    if (hold.status !== 'active') {
      const byDeadline = hold.closedBy === 'expiry' || hold.closedBy === 'schedule';
      if (byDeadline) refuse('hold_expired', `hold ${holdId} closed at its deadline`);
      refuse('hold_closed', `hold ${holdId} is ${hold.status}`);
    }
    return hold;
  }
}

/**
 * Refuses a deposit that would take the money issued in all past issuedMinorMax. Every other balance is
 * a share of that money, so this one bound keeps them all safe integers (money.ts asserts it).
 */
async function checkIssuable(tx: StoreTx, amount: Yen): Promise<void> {
  const issuer = await tx.getAccount(issuerAccountId);
  assert(issuer !== undefined && issuer.balance <= 0, 'the issuer only ever pays out');
  const issued = -issuer.balance;
  if (issued > issuedMinorMax - amount) {
    refuse(
      'balance_max_exceeded',
      `the hub holds ${issued} of at most ${issuedMinorMax}: a deposit of ${amount} would pass it`,
    );
  }
}

/**
 * Whether the delayed settle scheduled on `on` was `final`, for a schedule recorded before it kept that:
 * the hold's first delayed rule on that event type (the one that scheduled it, but for a rare list of
 * several delayed rules on one type with different senders).
 */
function scheduledRuleFinal(hold: HoldRecord, on: string): boolean {
  const rule = hold.rules.find((r) => r.on === on && r.delaySeconds !== undefined);
  return rule?.final === true;
}

/** The account read for a hold's party, or not_found (an issuer is never a party). */
function holdPartyOf(
  account: AccountRecord | undefined,
  id: string,
  role: 'payer' | 'payee',
): AccountRecord {
  if (account === undefined || account.kind === 'issuer')
    refuse('not_found', `${role} account ${id} not found`);
  return account;
}
