// What an enrolment organisation may do, and to whom: enrol only on person accounts the admin assigned
// to it; read, add faces to, erase and unlock only the persons it enrolled (admin: all). A PIN unlock
// needs the officer's ID check (the document that matches the stored hash), is rate limited per client
// and per person, and is audited with the officer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { pinUnlocksPerDayPerPerson, pinUnlocksPerHourPerClient } from '../../src/shared/limits.ts';
import {
  account,
  clientWithId,
  databaseFor,
  startTestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';
import {
  fetchHubKey,
  sealedPin,
  sealedProbe,
  testIdDocument,
  testPersonBody,
} from './identity-helpers.ts';

const modelId = testFaceModelId;
let t: TestHub;
let hubKey: Uint8Array;
let orgA: { id: string; token: string };
let orgB: { id: string; token: string };
let till: { id: string; token: string };
const pin = (value: string, purpose: string) => sealedPin(t, hubKey, value, purpose);
const probe = (template: Float32Array) => sealedProbe(t, hubKey, template);

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile(), stepUpAmount: 30_000 });
  await account(t, 'shop', 'merchant');
  orgA = await clientWithId(t, 'enrollment');
  orgB = await clientWithId(t, 'enrollment');
  till = await clientWithId(t, 'merchant', 'shop');
  hubKey = await fetchHubKey(t);
});
afterEach(async () => t.stop());

function assign(accountId: string, clientId: string, token?: string) {
  return t.call('PUT', `/v1/accounts/${accountId}/enrollment-client`, {
    body: { clientId },
    ...(token === undefined ? {} : { token }),
  });
}

function createPerson(token: string, accountId: string) {
  return t.call('POST', '/v1/persons', { token, body: testPersonBody(t, hubKey, { accountId }) });
}

/** A person account assigned to orgA and a person on it, enrolled by orgA. */
async function enrolByA(accountId: string): Promise<{ id: string; memberNumber: string }> {
  await account(t, accountId, 'person', 100_000);
  expect((await assign(accountId, orgA.id)).status).toBe(200);
  const person = await createPerson(orgA.token, accountId);
  expect(person.status).toBe(201);
  return { id: person.body.id, memberNumber: person.body.memberNumber };
}

function pinPay(memberNumber: string, value: string) {
  t.clock.advance(1_000);
  return t.call('POST', '/v1/pin-authorizations', {
    token: till.token,
    body: {
      memberNumber,
      sealedPin: pin(value, `member:${memberNumber}`),
      payee: 'shop',
      amount: 500,
    },
  });
}

async function lock(memberNumber: string): Promise<void> {
  for (const wrong of ['9021', '9022', '9023']) await pinPay(memberNumber, wrong);
  expect((await pinPay(memberNumber, '4821')).status).toBe(423);
}

function unlock(token: string, personId: string, body: unknown) {
  return t.call('POST', `/v1/persons/${personId}/unlock-pin`, { token, body });
}

async function audit(kind: string) {
  const rows = await t.hub.store.auditRows(0, 100_000);
  return rows.filter((r) => r.kind === kind);
}

describe('PIN unlock', () => {
  it("needs the owning organisation and the officer's ID check; audited with the officer", async () => {
    const alice = await enrolByA('alice');
    await lock(alice.memberNumber);
    const right = { idDocument: { ...testIdDocument('alice'), verifiedBy: 'officer-9' } };

    expect((await unlock(orgB.token, alice.id, right)).status).toBe(403);
    expect((await unlock(till.token, alice.id, right)).status).toBe(403);
    const empty = await unlock(orgA.token, alice.id, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('invalid_request');
    const wrongDoc = await unlock(orgA.token, alice.id, {
      idDocument: { ...right.idDocument, numberHash: 'sha256-someone-else-0123' },
    });
    expect(wrongDoc.status).toBe(403);
    expect(wrongDoc.body.error.code).toBe('id_document_mismatch');
    const wrongType = await unlock(orgA.token, alice.id, {
      idDocument: { ...right.idDocument, type: 'passport' },
    });
    expect(wrongType.body.error.code).toBe('id_document_mismatch');
    expect((await pinPay(alice.memberNumber, '4821')).status).toBe(423);

    expect((await unlock(orgA.token, alice.id, right)).status).toBe(204);
    expect((await pinPay(alice.memberNumber, '4821')).status).toBe(200);

    const unlocked = await audit('person.pin_unlocked');
    expect(unlocked).toHaveLength(1);
    expect(unlocked[0]).toMatchObject({ subject: alice.id, actor: orgA.id });
    expect(JSON.parse(String(unlocked[0]?.data))).toMatchObject({ officer: 'officer-9' });
    const refused = await audit('person.pin_unlock_refused');
    expect(refused.map((r) => r.actor)).toEqual([orgA.id, orgA.id]);
    expect(JSON.stringify(refused)).not.toContain('someone-else');
  });

  it('is rate limited per person and per client, even with the right document', async () => {
    const alice = await enrolByA('alice');
    const right = { idDocument: testIdDocument('alice') };
    for (let i = 0; i < pinUnlocksPerDayPerPerson; i++) {
      expect((await unlock(orgA.token, alice.id, right)).status).toBe(204);
    }
    const limited = await unlock(orgA.token, alice.id, right);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    t.clock.advance(24 * 3_600_000);
    expect((await unlock(orgA.token, alice.id, right)).status).toBe(204);

    // Per client: any unlock attempt counts, for whichever person id.
    t.clock.advance(24 * 3_600_000);
    for (let i = 0; i < pinUnlocksPerHourPerClient; i++) {
      expect((await unlock(orgA.token, `per_nobody_${i}`, right)).status).toBe(404);
    }
    expect((await unlock(orgA.token, alice.id, right)).status).toBe(429);
    expect((await unlock(orgB.token, 'per_nobody', right)).status).toBe(404);
    t.clock.advance(3_600_000);
    expect((await unlock(orgA.token, alice.id, right)).status).toBe(204);
  });

  it("unlocks of one person sent together: exactly the day's limit go through", async () => {
    // Concurrent requests share one write transaction (group commit): each must see the ones before it.
    const alice = await enrolByA('alice');
    const right = { idDocument: testIdDocument('alice') };
    const answers = await Promise.all(
      Array.from({ length: pinUnlocksPerDayPerPerson + 2 }, () =>
        unlock(orgA.token, alice.id, right),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([
      ...Array.from({ length: pinUnlocksPerDayPerPerson }, () => 204),
      429,
      429,
    ]);
    expect(await audit('person.pin_unlocked')).toHaveLength(pinUnlocksPerDayPerPerson);
  });

  it("counts a person's unlocks of the day across a hub restart", async () => {
    const alice = await enrolByA('alice');
    const right = { idDocument: testIdDocument('alice') };
    const wrong = { idDocument: { ...right.idDocument, numberHash: 'sha256-someone-else-0123' } };
    // Wrong documents count as attempts too: an organisation cannot guess its way through.
    expect((await unlock(orgA.token, alice.id, wrong)).status).toBe(403);
    for (let i = 1; i < pinUnlocksPerDayPerPerson; i++) {
      expect((await unlock(orgA.token, alice.id, right)).status).toBe(204);
    }
    const dir = t.dir;
    await t.hub.close();
    const databaseUrl = await databaseFor(dir);
    t = await startTestHub({
      calibrationFile: testCalibrationFile(),
      stepUpAmount: 30_000,
      dataDir: dir,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    });
    t.clock.advance(60_000);
    const limited = await unlock(orgA.token, alice.id, right);
    expect([limited.status, limited.body?.error?.code]).toEqual([429, 'rate_limited']);
    expect((await audit('person.pin_unlocked')).length).toBe(pinUnlocksPerDayPerPerson - 1);
    t.clock.advance(24 * 3_600_000);
    expect((await unlock(orgA.token, alice.id, right)).status).toBe(204);
  });
});

describe('erasure, faces and reads belong to the enrolling organisation', () => {
  it('another enrolment client cannot read, add a face to, or erase a person; the owner and admin can', async () => {
    const alice = await enrolByA('alice');
    const sealedTemplates = [probe(face()), probe(face())];
    sealedTemplates.pop();
    const byB = await t.call('POST', `/v1/persons/${alice.id}/templates`, {
      token: orgB.token,
      body: { modelId, sealedTemplates },
    });
    expect(byB.status).toBe(403);
    expect((await t.call('GET', `/v1/persons/${alice.id}`, { token: orgB.token })).status).toBe(
      403,
    );
    expect((await t.call('DELETE', `/v1/persons/${alice.id}`, { token: orgB.token })).status).toBe(
      403,
    );
    const byA = await t.call('POST', `/v1/persons/${alice.id}/templates`, {
      token: orgA.token,
      body: { modelId, sealedTemplates },
    });
    expect(byA.status).toBe(201);
    expect((await t.call('GET', `/v1/persons/${alice.id}`, { token: orgA.token })).status).toBe(
      200,
    );
    expect((await t.call('DELETE', `/v1/persons/${alice.id}`)).status).toBe(204);
  });
});

describe('enrolling onto a person account', () => {
  it('only the enrolment client the admin assigned the account to may enrol a person on it', async () => {
    await account(t, 'carol', 'person', 50_000);
    const unassigned = await createPerson(orgB.token, 'carol');
    expect(unassigned.status).toBe(403);
    expect(unassigned.body.error.code).toBe('forbidden');

    expect((await assign('carol', orgA.id, orgB.token)).status).toBe(403);
    expect((await assign('carol', till.id)).status).toBe(400);
    expect((await assign('shop', orgA.id)).status).toBe(400);
    expect((await assign('nobody', orgA.id)).status).toBe(404);
    const assigned = await assign('carol', orgA.id);
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ accountId: 'carol', enrollmentClientId: orgA.id });

    expect((await createPerson(orgB.token, 'carol')).status).toBe(403);
    expect((await createPerson(orgA.token, 'carol')).status).toBe(201);
    // Once someone is enrolled on it, the account is not handed to another organisation.
    expect((await assign('carol', orgB.id)).status).toBe(409);
    const audited = await audit('account.enrollment_client_assigned');
    expect(audited.map((r) => r.subject)).toEqual(['carol']);
  });
});
