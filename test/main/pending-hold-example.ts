// One lost purchase as pending-holds.json keeps it, for the tests of that file's fields (the wait, the
// sender): each gives only who sent it.
import type { PendingHold } from '../../src/main/pending-holds.ts';

/** A 700 yen purchase sent at 09:00 on 2026-03-01 whose answer was lost, sent by `sender`. */
export function lostPurchase(sender: Pick<PendingHold, 'sentBy' | 'sentByClient'>): PendingHold {
  return {
    sentAtMs: Date.parse('2026-03-01T09:00:00.000Z'),
    ...sender,
    sent: {
      template: 'purchase',
      request: {
        payer: 'shopper',
        payee: 'shop',
        amount: 700,
        reference: 'order-700',
        category: null,
        authorization: 'an authorization',
        idempotencyKey: 'kiosk-k1-pay_1',
      },
    },
  };
}
