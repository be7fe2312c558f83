// GET /v1/clients/me (README's extensions): any client reads its own record with its own token, so a till
// can tell whether a new token is the same client (rotated) or another one; never another client's record.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, clientWithId, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;

beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

describe('GET /v1/clients/me', () => {
  it("answers the caller's own record, whatever its role, and nothing secret", async () => {
    for (const role of ['merchant', 'enrollment', 'admin'] as const) {
      const client = await clientWithId(t, role, role === 'merchant' ? 'shop' : undefined);
      const me = await t.call('GET', '/v1/clients/me', { token: client.token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: client.id, role, revokedAt: null });
      expect(JSON.stringify(me.body)).not.toContain(client.token);
      expect(me.body).not.toHaveProperty('token');
    }
  });

  it('reads the same client after a rotation, and another client for another token', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    const other = await clientWithId(t, 'merchant', 'shop');
    const rotated = await t.call('POST', `/v1/clients/${till.id}/rotate-token`, { body: {} });
    expect(rotated.status).toBe(200);
    const after = await t.call('GET', '/v1/clients/me', { token: rotated.body.token });
    expect(after.body.id).toBe(till.id);
    const theOther = await t.call('GET', '/v1/clients/me', { token: other.token });
    expect(theOther.body.id).toBe(other.id);
    expect(theOther.body.id).not.toBe(till.id);
  });

  it('refuses a missing, unknown, rotated-away or revoked token (401)', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    expect((await t.call('GET', '/v1/clients/me', { token: null })).status).toBe(401);
    expect((await t.call('GET', '/v1/clients/me', { token: 'not-a-token' })).status).toBe(401);
    await t.call('POST', `/v1/clients/${till.id}/rotate-token`, { body: {} });
    expect((await t.call('GET', '/v1/clients/me', { token: till.token })).status).toBe(401);
    const gone = await clientWithId(t, 'merchant', 'shop');
    expect((await t.call('DELETE', `/v1/clients/${gone.id}`)).status).toBe(204);
    expect((await t.call('GET', '/v1/clients/me', { token: gone.token })).status).toBe(401);
  });

  it('is not taken for a client id: GET /v1/clients/:id stays admin-only', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    const byId = await t.call('GET', `/v1/clients/${till.id}`, { token: till.token });
    expect(byId.status).toBe(403);
  });
});
