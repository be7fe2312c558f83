// GET /v1/kiosks/:id (README's extensions): a till or station reads its own kiosk's registration with its
// token, unsigned and unaudited, so an idle kiosk notices a revocation; never another client's kiosk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, clientWithId, openRawDb, startTestHub, type TestHub } from './helpers.ts';
import { kioskPublicKeys } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { registerTestKiosk } from './kiosk-helpers.ts';

let t: TestHub;

beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

async function auditRows(): Promise<number> {
  const db = await openRawDb(t.dir);
  try {
    return Number((await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_log'))?.n);
  } finally {
    await db.close();
  }
}

describe('GET /v1/kiosks/:id', () => {
  it("answers the caller's own kiosk as the admin reads it, for a till and a station", async () => {
    for (const role of ['merchant', 'enrollment'] as const) {
      const client = await clientWithId(t, role, role === 'merchant' ? 'shop' : undefined);
      const kiosk = await registerTestKiosk(t, client.id);
      const own = await t.call('GET', `/v1/kiosks/${kiosk.id}`, { token: client.token });
      expect(own.status).toBe(200);
      expect(own.body).toEqual((await t.call('GET', `/v1/admin/kiosks/${kiosk.id}`)).body);
      expect(own.body).toMatchObject({
        id: kiosk.id,
        clientId: client.id,
        revokedAt: null,
        ...kioskPublicKeys(kiosk.identity),
      });
    }
  });

  it('shows the revocation, and is not audited', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    const kiosk = await registerTestKiosk(t, till.id);
    expect((await t.call('DELETE', `/v1/admin/kiosks/${kiosk.id}`)).status).toBe(204);
    const before = await auditRows();
    const read = await t.call('GET', `/v1/kiosks/${kiosk.id}`, { token: till.token });
    expect(read.status).toBe(200);
    expect(read.body.revokedAt).toBe(new Date(t.clock.now()).toISOString());
    expect(await auditRows()).toBe(before);
  });

  it("answers another client's kiosk as one that does not exist (404), and refuses the admin and no token", async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    const other = await clientWithId(t, 'merchant', 'shop');
    const kiosk = await registerTestKiosk(t, till.id);
    const notOurs = await t.call('GET', `/v1/kiosks/${kiosk.id}`, { token: other.token });
    const none = await t.call('GET', '/v1/kiosks/ksk_none', { token: other.token });
    expect(notOurs.status).toBe(404);
    expect(notOurs.body.error.code).toBe('not_found');
    expect(none.status).toBe(404);
    // The same answer, but for the id in the message: nobody learns which kiosk ids are taken.
    expect(notOurs.body.error.message.replace(kiosk.id, 'ID')).toBe(
      none.body.error.message.replace('ksk_none', 'ID'),
    );
    expect((await t.call('GET', `/v1/kiosks/${kiosk.id}`)).status).toBe(403);
    expect((await t.call('GET', `/v1/kiosks/${kiosk.id}`, { token: null })).status).toBe(401);
  });
});
