// Settlement on conditions: template expansion, rule validation, and who may send which event.
// Pure functions over records, so every use case of DESIGN.md can be tested without a database.
import type { Rule, TemplateRequest } from '../../shared/hub-api.ts';
import type { ClientRecord, HoldRecord } from '../storage/records.ts';
import { refuse } from '../errors.ts';

export interface ExpandedTemplate {
  rules: Rule[];
  /** Set when the template fixes the hold's expiry (no_show_fee's deadline), epoch ms. */
  expiresAt?: number;
  settleOnPlace: boolean;
}

/** Expands a template to the rules the hold will show (API.md "Templates"). */
export function expandTemplate(template: TemplateRequest): ExpandedTemplate {
  switch (template.name) {
    case 'purchase':
      return { rules: [], settleOnPlace: true };
    case 'metered':
      return {
        rules: [
          {
            on: 'service.completed',
            action: 'settle',
            amount: 'event',
            final: true,
            from: ['payee'],
          },
          { on: 'expiry', action: 'release' },
        ],
        settleOnPlace: false,
      };
    case 'no_show_fee':
      return {
        rules: [
          { on: 'guest.arrived', action: 'release', from: ['payee'] },
          { on: 'expiry', action: 'settle', amount: 'remaining' },
        ],
        expiresAt: Date.parse(template.deadline),
        settleOnPlace: false,
      };
    case 'delivery':
      return {
        rules: [
          // The buyer, or a device or carrier that saw it, knows the goods were delivered.
          {
            on: 'goods.delivered',
            action: 'settle',
            amount: 'remaining',
            from: ['payer', 'event_source'],
          },
          { on: 'expiry', action: 'release' },
        ],
        settleOnPlace: false,
      };
    case 'escrow':
      return {
        rules: [
          {
            on: 'goods.received',
            action: 'settle',
            amount: 'remaining',
            from: ['payer'],
            delaySeconds: template.returnWindowSeconds,
          },
          { on: 'goods.returned', action: 'release', from: ['payer'] },
          { on: 'expiry', action: 'release' },
        ],
        settleOnPlace: false,
      };
    case 'clinic_visit':
      return {
        rules: [
          {
            on: 'consultation.completed',
            action: 'settle',
            amount: 'event',
            final: true,
            from: ['payee'],
          },
          { on: 'expiry', action: 'release' },
        ],
        settleOnPlace: false,
      };
    case 'deposit':
      return {
        rules: [
          { on: 'usage.verified', action: 'release', from: ['payee'] },
          {
            on: 'misuse.confirmed',
            action: 'settle',
            amount: 'event',
            final: true,
            from: ['payee'],
          },
          { on: 'expiry', action: 'release' },
        ],
        settleOnPlace: false,
      };
  }
}

/** Refuses rules that could never run as written (400), before any money is locked. */
export function validateRules(rules: Rule[]): void {
  for (const [index, rule] of rules.entries()) {
    const where = `rules[${index}]`;
    if (rule.on === 'expiry') {
      if (rule.from !== undefined)
        refuse('invalid_request', `${where}: expiry has no sender, drop "from"`);
      if (rule.amount === 'event')
        refuse('invalid_request', `${where}: expiry carries no event amount`);
      if (rule.delaySeconds !== undefined)
        refuse('invalid_request', `${where}: expiry cannot be delayed`);
    }
    if (rule.action === 'release' && rule.amount !== undefined) {
      refuse('invalid_request', `${where}: release takes no amount`);
    }
    if (rule.delaySeconds !== undefined && rule.amount === 'event') {
      refuse('invalid_request', `${where}: a delayed action settles "remaining" or a fixed amount`);
    }
  }
}

/** The effective action at expiry: an `on:"expiry"` rule overrides `onExpiry`. */
export function expiryRule(hold: Pick<HoldRecord, 'rules' | 'onExpiry'>): Rule {
  return hold.rules.find((rule) => rule.on === 'expiry') ?? { on: 'expiry', action: hold.onExpiry };
}

function actsForPayee(client: ClientRecord, hold: HoldRecord, eventType: string): boolean {
  if (client.merchantId !== hold.payee) return false;
  return (
    client.role === 'merchant' ||
    (client.role === 'event_source' && client.eventTypes.includes(eventType))
  );
}

/** Whether `client` is one of the senders a rule names (API.md "Rules"). Admin may send any event. */
export function senderAllowed(rule: Rule, client: ClientRecord, hold: HoldRecord): boolean {
  if (client.role === 'admin') return true;
  if (client.role === 'event_source' && !client.eventTypes.includes(rule.on)) return false;
  const from = rule.from ?? ['payee'];
  return from.some((sender) => {
    if (sender === 'payee') return actsForPayee(client, hold, rule.on);
    if (sender === 'payer') return client.merchantId === hold.payer;
    if (sender === client.id) return true;
    return sender === client.role && client.merchantId === hold.payee;
  });
}

export type RuleChoice = { rule: Rule } | { refusal: 'no_matching_rule' | 'forbidden' };

/** The first rule for this event type whose senders include the client. */
export function chooseRule(hold: HoldRecord, eventType: string, client: ClientRecord): RuleChoice {
  const candidates = hold.rules.filter((rule) => rule.on === eventType);
  if (candidates.length === 0) return { refusal: 'no_matching_rule' };
  const rule = candidates.find((candidate) => senderAllowed(candidate, client, hold));
  return rule === undefined ? { refusal: 'forbidden' } : { rule };
}
