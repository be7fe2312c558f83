// Erasing a person also erases what the hub's idempotency table kept of them: the stored answer of the
// enrolment (masked name, account, member number, consent) is cut down to the person's id in the
// erasure's own transaction, instead of waiting up to the retention window to be pruned.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { startHub } from '../../src/hub/hub.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  dataDirAtVersion,
  startTestHub,
  storeKind,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { fetchHubKey, testPersonBody } from './identity-helpers.ts';

let t: TestHub;
let hubKey: Uint8Array;
let org: { id: string; token: string };

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile() });
  org = await clientWithId(t, 'enrollment');
  hubKey = await fetchHubKey(t);
});
afterEach(async () => t.stop());

/** Enrols a person on a fresh account under `key`; answers the hub's 201 body. */
async function enrol(accountId: string, key: string) {
  await account(t, accountId, 'person');
  await assignEnroller(t, accountId, org.id);
  const created = await t.call('POST', '/v1/persons', {
    token: org.token,
    body: testPersonBody(t, hubKey, { accountId }),
    key,
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; displayNameMasked: string; memberNumber: string };
}

/** The answer stored under the organisation's key, read through the store as the hub reads it. */
async function storedBody(key: string): Promise<string | undefined> {
  const stored = await t.hub.store.write((tx) => tx.getStoredResponse(org.id, key));
  return stored?.body;
}

describe('erasing a person', () => {
  it("cuts the enrolment's stored answer down to the person's id: no name, account or member number stays", async () => {
    const person = await enrol('aiko', 'enrol-aiko');
    const kept = await storedBody('enrol-aiko');
    // Before the erasure the stored answer is the person's view (what a lost answer's retry gets).
    expect(kept).toContain(person.displayNameMasked);
    expect(kept).toContain(person.memberNumber);

    const erased = await t.call('DELETE', `/v1/persons/${person.id}`, { token: org.token });
    expect(erased.status).toBe(204);

    const after = await storedBody('enrol-aiko');
    expect(after).toBeDefined();
    expect(JSON.parse(after ?? 'null')).toEqual({ id: person.id });
    for (const trace of [person.displayNameMasked, person.memberNumber, 'aiko'])
      expect(after).not.toContain(trace);
  });

  it('still refuses the key asked again as person_erased (410, replayed), and enrols nobody', async () => {
    await account(t, 'daichi', 'person');
    await assignEnroller(t, 'daichi', org.id);
    const body = testPersonBody(t, hubKey, { accountId: 'daichi' });
    const first = await t.call('POST', '/v1/persons', { token: org.token, body, key: 'enrol-d' });
    expect(first.status).toBe(201);
    await t.call('DELETE', `/v1/persons/${first.body.id}`, { token: org.token });

    const again = await t.call('POST', '/v1/persons', { token: org.token, body, key: 'enrol-d' });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('person_erased');
    // The key's own fate (its person created, then erased): a replay, so a station that lost the first
    // answer knows the request needs nothing more.
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const found = await t.call('GET', '/v1/persons?accountId=daichi', { token: org.token });
    expect(found.body.items).toEqual([]);
  });

  it("leaves every other stored answer as it was: another person's enrolment and the organisation's refusals", async () => {
    const erasedOne = await enrol('emi', 'enrol-emi');
    await enrol('goro', 'enrol-goro');
    const goroBefore = await storedBody('enrol-goro');
    // A refusal stored under a key of the same client (the account is taken by the person just enrolled).
    const twice = testPersonBody(t, hubKey, { accountId: 'goro' });
    const refused = await t.call('POST', '/v1/persons', {
      token: org.token,
      body: twice,
      key: 'enrol-goro-twice',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const refusalBefore = await storedBody('enrol-goro-twice');

    await t.call('DELETE', `/v1/persons/${erasedOne.id}`, { token: org.token });

    expect(await storedBody('enrol-goro')).toBe(goroBefore);
    expect(await storedBody('enrol-goro-twice')).toBe(refusalBefore);
    const replayed = await t.call('POST', '/v1/persons', {
      token: org.token,
      body: twice,
      key: 'enrol-goro-twice',
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(refused.body);
  });
});

// The answers a hub stored before it named their person (SQLite's migration 18; PostgreSQL's 8 runs the
// same UPDATE on its own schema).
describe.runIf(storeKind === 'sqlite')('the migration of stored answers', () => {
  it("names the person of each enrolment's answer stored before it, and of no other answer", async () => {
    const { dir, db } = dataDirAtVersion(17);
    const insert = db.prepare(
      `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at)
       VALUES ('cli_old', ?, zeroblob(32), ?, ?, 0)`,
    );
    insert.run('enrol', 201, JSON.stringify({ id: 'per_OLD1', displayNameMasked: 'O*** P.' }));
    insert.run('hold', 201, JSON.stringify({ id: 'hold_OLD1', amount: 500 }));
    insert.run('refused', 409, JSON.stringify({ error: { code: 'duplicate_enrolment' } }));
    insert.run('settled', 200, JSON.stringify({ id: 'per_looks_alike', status: 'settled' }));
    db.close();

    const hub = await startHub({ dataDir: dir, sweeper: false, calibrationFile: null });
    await hub.close();
    const migrated = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    const named = migrated
      .prepare<[], { key: string; person_id: string | null }>(
        'SELECT key, person_id FROM idempotency ORDER BY key',
      )
      .all();
    migrated.close();
    expect(named).toEqual([
      { key: 'enrol', person_id: 'per_OLD1' },
      { key: 'hold', person_id: null },
      { key: 'refused', person_id: null },
      { key: 'settled', person_id: null },
    ]);
  });
});
