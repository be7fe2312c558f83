// A revoked enrolment client's persons and person accounts move to its replacement (admin extension), so
// the organisation's new station can erase and unlock the people its old one enrolled, and no one else's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import {
  account,
  adminToken,
  clientWithId,
  startTestHub,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { fetchHubKey, sealedPin, testIdDocument, testPersonBody } from './identity-helpers.ts';

let t: TestHub;
let hubKey: Uint8Array;
/** The station's client that was lost and is revoked in each test, its replacement, another organisation. */
let oldStation: { id: string; token: string };
let newStation: { id: string; token: string };
let otherOrg: { id: string; token: string };
let till: { id: string; token: string };

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile(), stepUpAmount: 30_000 });
  await account(t, 'shop', 'merchant');
  oldStation = await clientWithId(t, 'enrollment');
  newStation = await clientWithId(t, 'enrollment');
  otherOrg = await clientWithId(t, 'enrollment');
  till = await clientWithId(t, 'merchant', 'shop');
  hubKey = await fetchHubKey(t);
});
afterEach(async () => t.stop());

function transfer(from: string, to: unknown, token: string = adminToken) {
  return t.call('POST', `/v1/clients/${from}/transfer-enrollments`, { token, body: { to } });
}

function revoke(clientId: string) {
  return t.call('DELETE', `/v1/clients/${clientId}`);
}

/** A person account assigned to the station, and a person on it that the station enrolled. */
async function enrolBy(
  station: { id: string; token: string },
  accountId: string,
): Promise<{ id: string; memberNumber: string }> {
  await account(t, accountId, 'person', 100_000);
  const assigned = await t.call('PUT', `/v1/accounts/${accountId}/enrollment-client`, {
    body: { clientId: station.id },
  });
  expect(assigned.status).toBe(200);
  const person = await t.call('POST', '/v1/persons', {
    token: station.token,
    body: testPersonBody(t, hubKey, { accountId }),
  });
  expect(person.status).toBe(201);
  return { id: person.body.id, memberNumber: person.body.memberNumber };
}

function pinPay(memberNumber: string, pin: string) {
  t.clock.advance(1_000); // one PIN check a second per till
  return t.call('POST', '/v1/pin-authorizations', {
    token: till.token,
    body: {
      memberNumber,
      sealedPin: sealedPin(t, hubKey, pin, `member:${memberNumber}`),
      payee: 'shop',
      amount: 500,
    },
  });
}

function unlock(token: string, personId: string, accountId: string, numberHash?: string) {
  const idDocument = { ...testIdDocument(accountId), verifiedBy: 'officer-3' };
  return t.call('POST', `/v1/persons/${personId}/unlock-pin`, {
    token,
    body: { idDocument: numberHash === undefined ? idDocument : { ...idDocument, numberHash } },
  });
}

function erase(token: string, personId: string) {
  return t.call('DELETE', `/v1/persons/${personId}`, { token });
}

async function audit(kind: string) {
  const rows = await t.hub.store.auditRows(0, 100_000);
  return rows.filter((row) => row.kind === kind);
}

describe("moving a revoked enrolment client's enrolments to its replacement", () => {
  it('the replacement station erases a person the revoked station enrolled', async () => {
    const alice = await enrolBy(oldStation, 'alice');
    expect((await revoke(oldStation.id)).status).toBe(204);
    const before = await erase(newStation.token, alice.id);
    expect([before.status, before.body?.error?.code]).toEqual([403, 'forbidden']);

    const moved = await transfer(oldStation.id, newStation.id);
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({
      from: oldStation.id,
      to: newStation.id,
      moved: { persons: 1, accounts: 1 },
    });

    expect(
      (await t.call('GET', `/v1/persons/${alice.id}`, { token: newStation.token })).status,
    ).toBe(200);
    expect((await erase(newStation.token, alice.id)).status).toBe(204);
    expect((await t.call('GET', `/v1/persons/${alice.id}`)).status).toBe(404);
  });

  it("the replacement station unlocks a locked PIN with the person's document", async () => {
    const bob = await enrolBy(oldStation, 'bob');
    for (const wrong of ['9021', '9022', '9023']) await pinPay(bob.memberNumber, wrong);
    expect((await pinPay(bob.memberNumber, '4821')).status).toBe(423);
    await revoke(oldStation.id);
    expect((await unlock(newStation.token, bob.id, 'bob')).status).toBe(403);

    expect((await transfer(oldStation.id, newStation.id)).status).toBe(200);

    const wrongDocument = await unlock(newStation.token, bob.id, 'bob', 'sha256-someone-else-01');
    expect([wrongDocument.status, wrongDocument.body.error.code]).toEqual([
      403,
      'id_document_mismatch',
    ]);
    expect((await pinPay(bob.memberNumber, '4821')).status).toBe(423);
    expect((await unlock(newStation.token, bob.id, 'bob')).status).toBe(204);
    expect((await pinPay(bob.memberNumber, '4821')).status).toBe(200);
    const unlocked = await audit('person.pin_unlocked');
    expect(unlocked.map((row) => [row.subject, row.actor])).toEqual([[bob.id, newStation.id]]);
  });

  it("moves the revoked client's person accounts too: the replacement enrols on the ones nobody is on", async () => {
    await account(t, 'walk-in', 'person');
    await t.call('PUT', '/v1/accounts/walk-in/enrollment-client', {
      body: { clientId: oldStation.id },
    });
    await enrolBy(oldStation, 'carol');
    await revoke(oldStation.id);
    const body = testPersonBody(t, hubKey, { accountId: 'walk-in' });
    expect((await t.call('POST', '/v1/persons', { token: newStation.token, body })).status).toBe(
      403,
    );

    const moved = await transfer(oldStation.id, newStation.id);
    expect(moved.body.moved).toEqual({ persons: 1, accounts: 2 });
    expect(await t.hub.store.reader.getAccountEnrollmentClient('walk-in')).toBe(newStation.id);
    expect(await t.hub.store.reader.getAccountEnrollmentClient('carol')).toBe(newStation.id);
    const again = testPersonBody(t, hubKey, { accountId: 'walk-in' });
    expect(
      (await t.call('POST', '/v1/persons', { token: newStation.token, body: again })).status,
    ).toBe(201);
  });

  it("leaves another organisation's persons and accounts alone", async () => {
    await enrolBy(oldStation, 'alice');
    const dave = await enrolBy(otherOrg, 'dave');
    await account(t, 'erin', 'person');
    await t.call('PUT', '/v1/accounts/erin/enrollment-client', { body: { clientId: otherOrg.id } });
    await revoke(oldStation.id);

    expect((await transfer(oldStation.id, newStation.id)).body.moved).toEqual({
      persons: 1,
      accounts: 1,
    });

    expect((await erase(newStation.token, dave.id)).status).toBe(403);
    expect((await t.call('GET', `/v1/persons/${dave.id}`, { token: otherOrg.token })).status).toBe(
      200,
    );
    expect(await t.hub.store.reader.getAccountEnrollmentClient('dave')).toBe(otherOrg.id);
    expect(await t.hub.store.reader.getAccountEnrollmentClient('erin')).toBe(otherOrg.id);
    const moves = await audit('person.enrollment_client_moved');
    expect(moves.map((row) => row.subject)).not.toContain(dave.id);
  });

  it('audits each person and account moved, with the admin and both clients and nothing of the person', async () => {
    const alice = await enrolBy(oldStation, 'alice');
    const bob = await enrolBy(oldStation, 'bob');
    await revoke(oldStation.id);
    await transfer(oldStation.id, newStation.id);

    const persons = await audit('person.enrollment_client_moved');
    expect(persons.map((row) => row.subject).sort()).toEqual([alice.id, bob.id].sort());
    const accounts = await audit('account.enrollment_client_moved');
    expect(accounts.map((row) => row.subject).sort()).toEqual(['alice', 'bob']);
    const admin = await t.call('GET', '/v1/clients/me');
    for (const row of [...persons, ...accounts]) {
      expect(row.actor).toBe(admin.body.id);
      expect(JSON.parse(String(row.data))).toEqual({ from: oldStation.id, to: newStation.id });
    }
    const written = JSON.stringify([...persons, ...accounts]);
    for (const secret of ['Hanako', '1990-04-01', testIdDocument('alice').numberHash])
      expect(written).not.toContain(secret);
  });

  it('is idempotent: a second call moves nothing, answers zeros and audits nothing more', async () => {
    await enrolBy(oldStation, 'alice');
    await revoke(oldStation.id);
    expect((await transfer(oldStation.id, newStation.id)).body.moved).toEqual({
      persons: 1,
      accounts: 1,
    });
    const auditedOnce = (await t.hub.store.auditRows(0, 100_000)).length;

    const again = await transfer(oldStation.id, newStation.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      from: oldStation.id,
      to: newStation.id,
      moved: { persons: 0, accounts: 0 },
    });
    expect((await t.hub.store.auditRows(0, 100_000)).length).toBe(auditedOnce);
  });

  it('sent several times at once (an operator retrying): one call moves everyone, each person audited once', async () => {
    const people = ['alice', 'bob', 'carol'];
    for (const accountId of people) await enrolBy(oldStation, accountId);
    await revoke(oldStation.id);

    const answers = await Promise.all(
      Array.from({ length: 4 }, () => transfer(oldStation.id, newStation.id)),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const moved = answers.map((answer) => answer.body.moved.persons).sort();
    expect(moved).toEqual([0, 0, 0, people.length]);
    expect(await audit('person.enrollment_client_moved')).toHaveLength(people.length);
    expect(await audit('account.enrollment_client_moved')).toHaveLength(people.length);
  });
});

describe('what the transfer refuses', () => {
  it('refuses anyone but the admin (403), and moves nothing', async () => {
    const alice = await enrolBy(oldStation, 'alice');
    await revoke(oldStation.id);
    for (const token of [newStation.token, otherOrg.token, till.token]) {
      const refused = await transfer(oldStation.id, newStation.id, token);
      expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
    }
    expect((await erase(newStation.token, alice.id)).status).toBe(403);
  });

  it('refuses a client still active (409 client_not_revoked): its token could enrol after the move', async () => {
    const alice = await enrolBy(oldStation, 'alice');
    const refused = await transfer(oldStation.id, newStation.id);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'client_not_revoked']);
    expect((await erase(newStation.token, alice.id)).status).toBe(403);
    expect((await erase(oldStation.token, alice.id)).status).toBe(204);
  });

  it('refuses a replacement that is revoked (409 client_revoked) or not an enrollment client (400)', async () => {
    const alice = await enrolBy(oldStation, 'alice');
    await revoke(oldStation.id);
    await revoke(otherOrg.id);
    const revokedTo = await transfer(oldStation.id, otherOrg.id);
    expect([revokedTo.status, revokedTo.body.error.code]).toEqual([409, 'client_revoked']);
    const tillTo = await transfer(oldStation.id, till.id);
    expect([tillTo.status, tillTo.body.error.code]).toEqual([400, 'invalid_request']);
    const admin = await t.call('GET', '/v1/clients/me');
    const adminTo = await transfer(oldStation.id, admin.body.id);
    expect([adminTo.status, adminTo.body.error.code]).toEqual([400, 'invalid_request']);
    const itself = await transfer(oldStation.id, oldStation.id);
    expect(itself.status).toBe(409);
    expect((await erase(newStation.token, alice.id)).status).toBe(403);
    expect(await audit('person.enrollment_client_moved')).toEqual([]);
  });

  it('refuses a client to move from that is not an enrollment client (400)', async () => {
    await revoke(till.id);
    const refused = await transfer(till.id, newStation.id);
    expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('answers 404 for an unknown client on either side, 400 for a body without `to`', async () => {
    await revoke(oldStation.id);
    const unknownFrom = await transfer('cli_nobody', newStation.id);
    expect([unknownFrom.status, unknownFrom.body.error.code]).toEqual([404, 'not_found']);
    const unknownTo = await transfer(oldStation.id, 'cli_nobody');
    expect([unknownTo.status, unknownTo.body.error.code]).toEqual([404, 'not_found']);
    const noTo = await t.call('POST', `/v1/clients/${oldStation.id}/transfer-enrollments`, {
      body: {},
    });
    expect([noTo.status, noTo.body.error.code]).toEqual([400, 'invalid_request']);
    const extra = await t.call('POST', `/v1/clients/${oldStation.id}/transfer-enrollments`, {
      body: { to: newStation.id, persons: 'all' },
    });
    expect(extra.status).toBe(400);
  });
});
