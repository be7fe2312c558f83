// The till's record of a payment (till-requests.json) says a hold request went out before it goes: a kiosk
// that crashes while the request is out reads back failed / kiosk_restarted with holdRequestSent true, so no
// one is told that nothing was taken. Before, the flag was written only when the payment opened (false) and
// the flip to true stayed in memory, so the reloaded record said no request had gone out.
import { describe, expect, it } from 'vitest';
import { TillRequests } from '../../src/main/till-requests.ts';
import { memberPin, networkHoldingBack } from './kiosk-test-hub.ts';
import { atPin, shopKiosk } from './shop-fixture.ts';
import { useShopWithShopper } from './shop-per-file.ts';

const { face, clock, hub, stateFolder } = useShopWithShopper('facepay-till-sent-');

describe("the till's record of a hold request going out", () => {
  it('is on disk before the request reaches the hub: read back, the payment says it was sent', async () => {
    const files = stateFolder('in-flight');
    const { network, arrived, release } = networkHoldingBack('/v1/holds');
    const { service, link } = await shopKiosk({ test: hub(), clock, network, ...files });
    const paymentId = await atPin(service, face, 380, 'sent-on-disk-380');
    const paying = service.handlers.confirm({ paymentId, pin: memberPin });
    await arrived;
    // What a kiosk started again on this folder now (after a crash) reads.
    expect(new TillRequests(files.tillRequestsFile).view(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'kiosk_restarted',
      holdRequestSent: true,
    });
    release();
    expect(await paying).toMatchObject({ ok: true, payment: { state: 'paid' } });
    link.dispose();
  });
});
