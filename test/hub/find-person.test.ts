// GET /v1/persons (extension) and hub:admin find-person / erase-person: how the hub's admin finds, by
// account or document hash, the person an enrolment station lost the answer about (it lists them), and
// erases them. An enrolment client sees only the persons it enrolled, and learns nothing of others.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import {
  account,
  adminToken,
  clientWithId,
  startTestHub,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { fetchHubKey, testIdDocument, testPersonBody } from './identity-helpers.ts';
import { assertNoProcessLeft, runAdminCli } from './process.ts';

let t: TestHub;
let hubKey: Uint8Array;
let orgA: { id: string; token: string };
let orgB: { id: string; token: string };

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile() });
  await account(t, 'shop', 'merchant');
  orgA = await clientWithId(t, 'enrollment');
  orgB = await clientWithId(t, 'enrollment');
  hubKey = await fetchHubKey(t);
});
afterEach(async () => t.stop());
afterAll(assertNoProcessLeft);

/** A person enrolled by orgA on `accountId`, with no face yet (as a station leaves one whose answer it lost). */
async function facelessPersonOfA(accountId: string): Promise<string> {
  await account(t, accountId, 'person', 100_000);
  const assigned = await t.call('PUT', `/v1/accounts/${accountId}/enrollment-client`, {
    body: { clientId: orgA.id },
  });
  expect(assigned.status).toBe(200);
  const created = await t.call('POST', '/v1/persons', {
    token: orgA.token,
    body: testPersonBody(t, hubKey, { accountId }),
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const find = (query: string, token?: string) =>
  t.call('GET', `/v1/persons?${query}`, token === undefined ? {} : { token });
const documentHashOf = (accountId: string) =>
  encodeURIComponent(testIdDocument(accountId).numberHash);

describe('GET /v1/persons', () => {
  it('the admin finds a faceless person by account and by document hash', async () => {
    const id = await facelessPersonOfA('alice');
    for (const query of ['accountId=alice', `documentHash=${documentHashOf('alice')}`]) {
      const found = await find(query);
      expect(found.status).toBe(200);
      expect(found.body.items).toHaveLength(1);
      expect(found.body.items[0]).toMatchObject({
        id,
        accountId: 'alice',
        templates: 0,
        displayNameMasked: expect.not.stringContaining('Hanako Yamada'),
      });
      expect(found.body.nextCursor).toBeNull();
    }
    expect((await find('accountId=nobody')).body.items).toEqual([]);
  });

  it("an enrolment client finds its own; another's is an empty list, as for nobody", async () => {
    const id = await facelessPersonOfA('alice');
    const own = await find('accountId=alice', orgA.token);
    expect(own.status).toBe(200);
    expect(own.body.items.map((p: { id: string }) => p.id)).toEqual([id]);
    const other = await find(`documentHash=${documentHashOf('alice')}`, orgB.token);
    const nobody = await find(`documentHash=${documentHashOf('nobody')}`, orgB.token);
    expect(other.status).toBe(200);
    expect(other.body).toEqual(nobody.body);
    expect(other.body.items).toEqual([]);
  });

  it('a till may not ask, nor anyone without a token', async () => {
    await facelessPersonOfA('alice');
    const till = await clientWithId(t, 'merchant', 'shop');
    expect((await find('accountId=alice', till.token)).status).toBe(403);
    const anonymous = await t.call('GET', '/v1/persons?accountId=alice', { token: null });
    expect(anonymous.status).toBe(401);
  });

  it('asks by exactly one of accountId and documentHash, well formed', async () => {
    await facelessPersonOfA('alice');
    for (const query of [
      '',
      `accountId=alice&documentHash=${documentHashOf('alice')}`,
      'documentHash=short',
      'documentHash=has%20space%20in%20it%200123456789',
      'accountId=alice&name=Hanako',
    ]) {
      const answer = await find(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('invalid_request');
    }
  });

  it('an erased person is found no more', async () => {
    const id = await facelessPersonOfA('alice');
    expect((await t.call('DELETE', `/v1/persons/${id}`)).status).toBe(204);
    expect((await find('accountId=alice')).body.items).toEqual([]);
    expect((await find(`documentHash=${documentHashOf('alice')}`)).body.items).toEqual([]);
  });
});

describe('hub:admin find-person and erase-person', () => {
  it("finds the station's listed document, erases the person, and finds nobody after", async () => {
    const id = await facelessPersonOfA('alice');
    const hash = testIdDocument('alice').numberHash;
    const found = await runAdminCli(t.hub.url, adminToken, [
      'find-person',
      '--document-hash',
      hash,
    ]);
    expect(found.status, found.stderr).toBe(0);
    expect(JSON.parse(found.stdout).items[0]).toMatchObject({ id, templates: 0 });

    const erased = await runAdminCli(t.hub.url, adminToken, ['erase-person', '--person', id]);
    expect(erased.status, erased.stderr).toBe(0);
    expect(JSON.parse(erased.stdout)).toEqual({ erased: id });
    const audit = await t.hub.store.auditRows(0, 10_000);
    expect(audit.filter((r) => r.subject === id).map((r) => r.kind)).toContain('person.erased');

    const after = await runAdminCli(t.hub.url, adminToken, ['find-person', '--account', 'alice']);
    expect(after.status, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).items).toEqual([]);
  });

  it('refuses find-person with neither or both, and erase-person of nobody', async () => {
    for (const args of [
      ['find-person'],
      ['find-person', '--account', 'alice', '--document-hash', 'sha256-alice-0123456789'],
    ]) {
      const answer = await runAdminCli(t.hub.url, adminToken, args);
      expect(answer.status).toBe(2);
      expect(answer.stderr).toContain('give --account or --document-hash, one of them');
    }
    const nobody = await runAdminCli(t.hub.url, adminToken, [
      'erase-person',
      '--person',
      'per_none',
    ]);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain('hub refused');
  });
});
