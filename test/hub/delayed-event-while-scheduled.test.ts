// A second event that would schedule a delayed rule on a hold that has one scheduled already (the buyer's
// app sends goods.received again under a new key): the hold is still active and its money still held, so
// the answer must not say it is closed. API.md's `409 hold_closed` means the hold is closed; a payer app
// reading it would record the hold as over while the money settles when the return window ends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 100_000);
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

describe('a delayed rule asked again while one is scheduled', () => {
  it('is refused action_scheduled (409), the hold still active with its schedule and money as they were', async () => {
    const buyerApp = await client(t, 'merchant', 'alice');
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 4_500, {
        template: { name: 'escrow', returnWindowSeconds: 600 },
      }),
    });
    const received = () =>
      t.call('POST', `/v1/holds/${placed.body.id}/events`, {
        token: buyerApp,
        body: { type: 'goods.received' },
      });
    const first = await received();
    expect(first.status).toBe(200);
    t.clock.advance(60_000);
    const again = await received();
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('action_scheduled');
    const hold = (await t.call('GET', `/v1/holds/${placed.body.id}`)).body;
    expect(hold).toMatchObject({ status: 'active', scheduled: first.body.scheduled });
    expect((await balances(t, 'alice')).held).toBe(4_500);
  });
});
