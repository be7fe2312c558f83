// The till's bearer token over the kiosk's real till API and a real hub: HTTP's auth schemes are
// case-insensitive (RFC 9110 §11.1), so a till that writes `bearer` is let in as one that writes `Bearer`;
// the token itself must still be the till's, under either spelling.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskHttp, type KioskHttpServer } from '../../src/main/kiosk-http.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { closeKioskTestHub, startKioskTestHub, type KioskTestHub } from './kiosk-test-hub.ts';
import { runtimeOf, shopKiosk } from './shop-fixture.ts';

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let link: HubLink;
let http: KioskHttpServer;

beforeAll(async () => {
  test = await startKioskTestHub({
    prefix: 'facepay-till-bearer-scheme-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    setup: {
      shop: { id: 'shop', name: 'Test Shop' },
      shopper: { id: 'shopper', name: 'Sato Hanako', deposit: 5_000 },
    },
  });
  const kiosk = await shopKiosk({
    test,
    clock,
    network: fetch,
    pendingHoldsFile: path.join(test.work, 'pending-holds.json'),
  });
  link = kiosk.link;
  http = await startKioskHttp({ runtime: runtimeOf(test.shop.config, kiosk.service), port: 0 });
}, 60_000);

afterAll(async () => {
  await http?.close();
  link?.dispose();
  await closeKioskTestHub(test);
});

/** The till's POST with `authorization` as given: the status, and the payment's id when one opened. */
async function tillPost(authorization: string, reference: string) {
  const response = await fetch(`${http.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 300, reference }),
  });
  const body = (await response.json()) as { payment?: { id: string }; error?: { code: string } };
  return { status: response.status, id: body.payment?.id, code: body.error?.code };
}

/** The till cancels `id` (a kiosk takes one payment at a time), under `authorization`. */
async function tillCancel(authorization: string, id: string | undefined) {
  const response = await fetch(`${http.url}/kiosk/v1/payment-requests/${id}`, {
    method: 'DELETE',
    headers: { authorization },
  });
  return response.status;
}

describe("the till API's bearer scheme", () => {
  it('is read without regard to case (bearer, BEARER, Bearer); a wrong token is refused under each', async () => {
    const token = test.shop.tillToken;
    const wrong = `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`;
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(await tillPost(`${scheme} ${wrong}`, `wrong-${scheme}`)).toEqual({
        status: 401,
        id: undefined,
        code: 'unauthorized',
      });
      expect(await tillPost(`${scheme} `, `empty-${scheme}`)).toMatchObject({ status: 401 });
      const opened = await tillPost(`${scheme} ${token}`, `order-${scheme}`);
      expect(opened).toMatchObject({ status: 201, id: expect.stringMatching(/^pay_/) });
      expect(await tillCancel(`${scheme} ${token}`, opened.id)).toBe(200);
    }
    // Only the bearer scheme: the till's token under another scheme, or with none, is refused.
    expect(await tillPost(`Basic ${token}`, 'basic')).toMatchObject({ status: 401 });
    expect(await tillPost(token, 'no-scheme')).toMatchObject({ status: 401 });
    expect(await tillPost(`Bearer${token}`, 'no-space')).toMatchObject({ status: 401 });
  }, 30_000);
});
