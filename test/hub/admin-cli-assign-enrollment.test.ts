// `hub:admin assign-enrollment-client`: the admin hands a person account to the enrolment client
// that may enrol on it from the command line (a replaced station's client needs it), as the hub allows.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertNoProcessLeft, runAdminCli } from './process.ts';
import { account, adminToken, clientWithId } from './helpers.ts';
import { startIdentityHub, testPersonBody, type IdentityTestHub } from './identity-helpers.ts';

afterAll(assertNoProcessLeft);

let hub: IdentityTestHub | null = null;
afterEach(async () => {
  await hub?.t.stop();
  hub = null;
});

/** `hub:admin -- assign-enrollment-client` with these options, against the running test hub. */
function assign(h: IdentityTestHub, options: string[]) {
  return runAdminCli(h.t.hub.url, adminToken, ['assign-enrollment-client', ...options]);
}

describe('hub:admin assign-enrollment-client', () => {
  it('lets the new station client enrol on the account, and no other', async () => {
    const h = (hub = await startIdentityHub());
    const newStation = await clientWithId(h.t, 'enrollment');
    await account(h.t, 'walk-in', 'person');

    const assigned = await assign(h, ['--account', 'walk-in', '--client', newStation.id]);
    expect(assigned.stderr).toBe('');
    expect(assigned.status).toBe(0);
    expect(JSON.parse(assigned.stdout)).toEqual({
      accountId: 'walk-in',
      enrollmentClientId: newStation.id,
    });

    const body = testPersonBody(h.t, h.hubKey, { accountId: 'walk-in' });
    const byOther = await h.t.call('POST', '/v1/persons', { token: h.enroller.token, body });
    expect(byOther.status).toBe(403);
    expect(byOther.body.error.code).toBe('forbidden');
    const byAssigned = await h.t.call('POST', '/v1/persons', { token: newStation.token, body });
    expect(byAssigned.status).toBe(201);

    // Once the new client's person is on it, the account cannot be handed to another client.
    const back = await assign(h, ['--account', 'walk-in', '--client', h.enroller.id]);
    expect(back.status).toBe(1);
    expect(back.stderr).toContain('409 duplicate_enrolment');
    expect(back.stdout).toBe('');
  });

  it('says what the hub refuses, and what is missing, without a stack trace', async () => {
    const h = (hub = await startIdentityHub());
    const merchant = await assign(h, ['--account', 'shop', '--client', h.enroller.id]);
    expect(merchant.status).toBe(1);
    expect(merchant.stderr).toContain('400 invalid_request');
    const till = await clientWithId(h.t, 'merchant', 'shop');
    await account(h.t, 'walk-in', 'person');
    const notEnroller = await assign(h, ['--account', 'walk-in', '--client', till.id]);
    expect(notEnroller.status).toBe(1);
    expect(notEnroller.stderr).toContain('400 invalid_request');
    const missing = await assign(h, ['--account', 'walk-in']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^missing --client\n/);
    for (const refused of [merchant, notEnroller, missing])
      expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
