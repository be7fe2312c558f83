// `hub:admin transfer-enrollments`: after a station's client is revoked and replaced, the admin moves the
// persons it enrolled and the accounts assigned to it to the new client from the command line.
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

/** `hub:admin -- transfer-enrollments` with these options, against the running test hub. */
function transfer(h: IdentityTestHub, options: string[]) {
  return runAdminCli(h.t.hub.url, adminToken, ['transfer-enrollments', ...options]);
}

/** A person on `accountId` enrolled by the hub's station client (h.enroller). */
async function enrolByStation(h: IdentityTestHub, accountId: string): Promise<string> {
  await account(h.t, accountId, 'person');
  await h.t.call('PUT', `/v1/accounts/${accountId}/enrollment-client`, {
    body: { clientId: h.enroller.id },
  });
  const person = await h.t.call('POST', '/v1/persons', {
    token: h.enroller.token,
    body: testPersonBody(h.t, h.hubKey, { accountId }),
  });
  expect(person.status).toBe(201);
  return person.body.id as string;
}

describe('hub:admin transfer-enrollments', () => {
  it("hands the revoked station's persons to the new station, which can then erase them", async () => {
    const h = (hub = await startIdentityHub());
    const alice = await enrolByStation(h, 'alice');
    const newStation = await clientWithId(h.t, 'enrollment');
    const revoked = await runAdminCli(h.t.hub.url, adminToken, [
      'revoke-client',
      '--client',
      h.enroller.id,
    ]);
    expect(revoked.status).toBe(0);
    const before = await h.t.call('DELETE', `/v1/persons/${alice}`, { token: newStation.token });
    expect(before.status).toBe(403);

    const moved = await transfer(h, ['--from', h.enroller.id, '--to', newStation.id]);
    expect(moved.stderr).toBe('');
    expect(moved.status).toBe(0);
    expect(JSON.parse(moved.stdout)).toEqual({
      from: h.enroller.id,
      to: newStation.id,
      moved: { persons: 1, accounts: 1 },
    });
    const again = await transfer(h, ['--from', h.enroller.id, '--to', newStation.id]);
    expect(JSON.parse(again.stdout).moved).toEqual({ persons: 0, accounts: 0 });

    const erased = await h.t.call('DELETE', `/v1/persons/${alice}`, { token: newStation.token });
    expect(erased.status).toBe(204);
  });

  it('says what the hub refuses, and what is missing, without a stack trace', async () => {
    const h = (hub = await startIdentityHub());
    const newStation = await clientWithId(h.t, 'enrollment');
    const active = await transfer(h, ['--from', h.enroller.id, '--to', newStation.id]);
    expect(active.status).toBe(1);
    expect(active.stderr).toContain('409 client_not_revoked');
    expect(active.stdout).toBe('');
    const unknown = await transfer(h, ['--from', 'cli_nobody', '--to', newStation.id]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('404 not_found');
    const missing = await transfer(h, ['--from', h.enroller.id]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^missing --to\n/);
    expect(missing.stderr).toContain('transfer-enrollments --from');
    for (const refused of [active, unknown, missing])
      expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
