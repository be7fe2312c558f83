// Unit tests of the rule engine without a database: template expansion for every use case,
// rule validation, and who counts as payee, payer, a named client or a role.
import { describe, expect, it } from 'vitest';
import {
  chooseRule,
  expandTemplate,
  expiryRule,
  senderAllowed,
  validateRules,
} from '../../src/hub/ledger/rules.ts';
import { HubError } from '../../src/hub/errors.ts';
import type { ClientRecord, HoldRecord } from '../../src/hub/storage/records.ts';
import type { Rule } from '../../src/shared/hub-api.ts';
import { yen } from '../../src/shared/money.ts';

const client = (
  role: ClientRecord['role'],
  merchantId: string | null,
  eventTypes: string[] = [],
  id = `cli_${role}`,
): ClientRecord => ({
  id,
  name: id,
  role,
  merchantId,
  eventTypes,
  tokenHash: new Uint8Array(32),
  createdAt: 0,
  revokedAt: null,
});

function hold(rules: Rule[]): HoldRecord {
  return {
    id: 'hold_1',
    status: 'active',
    payer: 'alice',
    payee: 'shop',
    amount: yen(1000),
    settled: yen(0),
    refunded: yen(0),
    reference: 'r',
    category: null,
    template: null,
    onExpiry: 'release',
    rules,
    expiresAt: 1,
    scheduled: null,
    authorizedMax: null,
    settlements: [],
    refunds: [],
    events: [],
    createdAt: 0,
    updatedAt: 0,
    version: 1,
    closedBy: null,
  };
}

describe('templates expand to the rules of each use case', () => {
  it('purchase settles on placement and has no rules', () => {
    expect(expandTemplate({ name: 'purchase' })).toEqual({ rules: [], settleOnPlace: true });
  });
  it('metered (taxi) and clinic_visit settle the event amount and release the rest', () => {
    for (const [name, on] of [
      ['metered', 'service.completed'],
      ['clinic_visit', 'consultation.completed'],
    ] as const) {
      const { rules } = expandTemplate({ name });
      expect(rules[0]).toEqual({
        on,
        action: 'settle',
        amount: 'event',
        final: true,
        from: ['payee'],
      });
      expect(expiryRule({ rules, onExpiry: 'settle' }).action).toBe('release');
    }
  });
  it('no_show_fee expires at the deadline and settles in full then; arrival releases', () => {
    const expanded = expandTemplate({ name: 'no_show_fee', deadline: '2026-12-24T19:00:00+09:00' });
    expect(expanded.expiresAt).toBe(Date.parse('2026-12-24T10:00:00Z'));
    expect(expiryRule({ rules: expanded.rules, onExpiry: 'release' })).toMatchObject({
      action: 'settle',
      amount: 'remaining',
    });
    expect(expanded.rules[0]).toMatchObject({ on: 'guest.arrived', action: 'release' });
  });
  it('delivery (car sale) settles when the buyer or a device reports delivery', () => {
    expect(expandTemplate({ name: 'delivery' }).rules[0]).toMatchObject({
      on: 'goods.delivered',
      from: ['payer', 'event_source'],
    });
  });
  it('escrow delays the settlement by the return window; a return releases', () => {
    const { rules } = expandTemplate({ name: 'escrow', returnWindowSeconds: 600 });
    expect(rules[0]).toMatchObject({
      on: 'goods.received',
      action: 'settle',
      delaySeconds: 600,
      from: ['payer'],
    });
    expect(rules[1]).toMatchObject({ on: 'goods.returned', action: 'release', from: ['payer'] });
  });
  it('deposit releases on verified use and settles the damage on misuse', () => {
    const { rules } = expandTemplate({ name: 'deposit' });
    expect(rules.map((r) => [r.on, r.action])).toEqual([
      ['usage.verified', 'release'],
      ['misuse.confirmed', 'settle'],
      ['expiry', 'release'],
    ]);
  });
});

describe('rule validation', () => {
  const refused = (rules: Rule[]) => {
    try {
      validateRules(rules);
      return undefined;
    } catch (error) {
      return error instanceof HubError ? error.code : 'threw';
    }
  };
  it('refuses rules that could never run as written', () => {
    expect(refused([{ on: 'expiry', action: 'settle', amount: 'event' }])).toBe('invalid_request');
    expect(refused([{ on: 'expiry', action: 'release', from: ['payee'] }])).toBe('invalid_request');
    expect(refused([{ on: 'x', action: 'release', amount: yen(5) }])).toBe('invalid_request');
    expect(refused([{ on: 'x', action: 'settle', amount: 'event', delaySeconds: 5 }])).toBe(
      'invalid_request',
    );
    expect(
      refused([{ on: 'x', action: 'settle', amount: yen(5), from: ['payer'] }]),
    ).toBeUndefined();
  });
});

describe('senders', () => {
  const h = hold([
    { on: 'a.b', action: 'release' },
    { on: 'c.d', action: 'release', from: ['payer'] },
    { on: 'e.f', action: 'release', from: ['cli_special'] },
    { on: 'g.h', action: 'release', from: ['event_source'] },
  ]);
  it('payee is a merchant of the payee account or an event source listing the type', () => {
    expect(senderAllowed(h.rules[0] as Rule, client('merchant', 'shop'), h)).toBe(true);
    expect(senderAllowed(h.rules[0] as Rule, client('event_source', 'shop', ['a.b']), h)).toBe(
      true,
    );
    expect(senderAllowed(h.rules[0] as Rule, client('event_source', 'shop', ['x.y']), h)).toBe(
      false,
    );
    expect(senderAllowed(h.rules[0] as Rule, client('merchant', 'other'), h)).toBe(false);
    expect(senderAllowed(h.rules[0] as Rule, client('merchant', 'alice'), h)).toBe(false);
  });
  it('payer, a named client, a role acting for the payee; admin always', () => {
    expect(senderAllowed(h.rules[1] as Rule, client('merchant', 'alice'), h)).toBe(true);
    expect(senderAllowed(h.rules[1] as Rule, client('merchant', 'shop'), h)).toBe(false);
    expect(
      senderAllowed(h.rules[2] as Rule, client('merchant', 'nobody', [], 'cli_special'), h),
    ).toBe(true);
    expect(senderAllowed(h.rules[3] as Rule, client('event_source', 'shop', ['g.h']), h)).toBe(
      true,
    );
    expect(senderAllowed(h.rules[3] as Rule, client('event_source', 'other', ['g.h']), h)).toBe(
      false,
    );
    expect(senderAllowed(h.rules[3] as Rule, client('admin', null), h)).toBe(true);
  });
  it('chooses the first rule for the type whose senders include the client', () => {
    const two = hold([
      { on: 'x.y', action: 'release', from: ['payer'] },
      { on: 'x.y', action: 'settle', amount: yen(10), from: ['payee'] },
    ]);
    expect(chooseRule(two, 'x.y', client('merchant', 'shop'))).toEqual({ rule: two.rules[1] });
    expect(chooseRule(two, 'x.y', client('merchant', 'alice'))).toEqual({ rule: two.rules[0] });
    expect(chooseRule(two, 'x.y', client('merchant', 'other'))).toEqual({ refusal: 'forbidden' });
    expect(chooseRule(two, 'z.z', client('merchant', 'shop'))).toEqual({
      refusal: 'no_matching_rule',
    });
  });
});
