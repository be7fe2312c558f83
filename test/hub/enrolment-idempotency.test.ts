// POST /v1/persons under an optional Idempotency-Key (README's extensions): a station whose answer was lost
// sends the same request again and gets the person the hub created, not a refusal of the account and
// document that very person took; another body under the key is refused; an erased person is not replayed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { idempotencyRetentionSeconds } from '../../src/shared/limits.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  startTestHub,
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

/** A person account assigned to `enroller` (default: the test's organisation). */
async function freeAccount(id: string, enroller = org): Promise<void> {
  await account(t, id, 'person');
  await assignEnroller(t, id, enroller.id);
}

function create(body: unknown, key: string | null, token = org.token) {
  return t.call('POST', '/v1/persons', { token, body, key });
}

describe('POST /v1/persons with an Idempotency-Key', () => {
  it('sent again after its answer was lost: the same person, replayed, and no second one', async () => {
    await freeAccount('hana');
    const body = testPersonBody(t, hubKey, { accountId: 'hana' });
    const first = await create(body, 'enrol-hana-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    t.clock.advance(30_000);
    // Byte for byte the first request: its sealed PIN's nonce is spent, the account and document taken.
    const again = await create(body, 'enrol-hana-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const person = await t.call('GET', `/v1/persons/${first.body.id}`, { token: org.token });
    expect(person.status).toBe(200);
    // Under another key the same enrolment is what it always was: refused, the account is taken.
    const other = await create(testPersonBody(t, hubKey, { accountId: 'hana' }), 'enrol-hana-2');
    expect(other.body.error.code).toBe('duplicate_enrolment');
    const enrolled = (await t.hub.store.auditRows(0, 10_000)).filter(
      (row) => row.kind === 'person.enrolled',
    );
    expect(enrolled.map((row) => row.subject)).toEqual([first.body.id]);
  });

  it('with another body (a corrected name) is refused idempotency_key_reused, and nobody else is enrolled', async () => {
    await freeAccount('kenji');
    const first = await create(testPersonBody(t, hubKey, { accountId: 'kenji' }), 'enrol-kenji');
    expect(first.status).toBe(201);
    const corrected = {
      ...testPersonBody(t, hubKey, { accountId: 'kenji' }),
      displayName: 'Kenji Ito',
    };
    const refused = await create(corrected, 'enrol-kenji');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('idempotency_key_reused');
    expect(JSON.stringify(refused.body)).not.toContain(first.body.id);
  });

  it("is the client's own: another organisation's request under the same key is its own enrolment", async () => {
    const other = await clientWithId(t, 'enrollment');
    await freeAccount('mio');
    await freeAccount('ren', other);
    const mio = await create(testPersonBody(t, hubKey, { accountId: 'mio' }), 'shared-key');
    const ren = await create(
      testPersonBody(t, hubKey, { accountId: 'ren' }),
      'shared-key',
      other.token,
    );
    expect(mio.status).toBe(201);
    expect(ren.status).toBe(201);
    expect(ren.headers.get('idempotent-replayed')).toBeNull();
    expect(ren.body.id).not.toBe(mio.body.id);
  });

  it('sent twice at once: both get one answer, and at most one person is enrolled', async () => {
    await freeAccount('riku');
    const body = testPersonBody(t, hubKey, { accountId: 'riku' });
    const both = await Promise.all([create(body, 'enrol-riku'), create(body, 'enrol-riku')]);
    const [first, second] = both.map(({ status, body }) => ({ status, body }));
    // Whichever spent the PIN's nonce first: the other is refused probe_replayed, and the refusal stored
    // first is the key's answer for both; or the person committed first, and both are answered with them.
    expect(second).toEqual(first);
    const enrolled = (await t.hub.store.auditRows(0, 10_000)).filter(
      (row) => row.kind === 'person.enrolled',
    );
    expect(enrolled.map((row) => row.subject)).toEqual(
      first?.status === 201 ? [first.body.id] : [],
    );
  });

  it('refused before anything is written, the refusal is the answer: asked again, refused again, no person', async () => {
    // Not assigned to this organisation yet: refused by the checks that run before the PIN is opened.
    await account(t, 'nao', 'person');
    const body = testPersonBody(t, hubKey, { accountId: 'nao' });
    const refused = await create(body, 'enrol-nao');
    expect(refused.status).toBe(403);
    await assignEnroller(t, 'nao', org.id);
    const again = await create(body, 'enrol-nao');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect({ status: again.status, body: again.body }).toEqual({
      status: refused.status,
      body: refused.body,
    });
  });

  it('stays optional: without a key a second request is refused as before', async () => {
    await freeAccount('sora');
    expect((await create(testPersonBody(t, hubKey, { accountId: 'sora' }), null)).status).toBe(201);
    const second = await create(testPersonBody(t, hubKey, { accountId: 'sora' }), null);
    expect(second.body.error.code).toBe('duplicate_enrolment');
  });

  it('sent again after that person was erased: 410 person_erased, the person neither shown nor brought back', async () => {
    await freeAccount('yui');
    const body = testPersonBody(t, hubKey, { accountId: 'yui' });
    const first = await create(body, 'enrol-yui');
    expect(first.status).toBe(201);
    const erased = await t.call('DELETE', `/v1/persons/${first.body.id}`, { token: org.token });
    expect(erased.status).toBe(204);
    const again = await create(body, 'enrol-yui');
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('person_erased');
    for (const shown of [first.body.id, first.body.displayNameMasked, first.body.memberNumber]) {
      expect(JSON.stringify(again.body)).not.toContain(shown);
    }
    const person = await t.call('GET', `/v1/persons/${first.body.id}`, { token: org.token });
    expect(person.status).toBe(404);
    // The account is free again: the person is enrolled anew under a new key.
    const anew = await create(testPersonBody(t, hubKey, { accountId: 'yui' }), 'enrol-yui-2');
    expect(anew.status).toBe(201);
    expect(anew.body.id).not.toBe(first.body.id);
  });

  it('pruned after the retention like every stored answer: then refused as taken, never a second person', async () => {
    await freeAccount('aoi');
    const body = testPersonBody(t, hubKey, { accountId: 'aoi' });
    expect((await create(body, 'enrol-aoi')).status).toBe(201);
    t.clock.advance(idempotencyRetentionSeconds * 1000 + 1);
    await t.hub.store.deleteStoredResponsesBefore(
      t.clock.now() - idempotencyRetentionSeconds * 1000,
    );
    const again = await create(body, 'enrol-aoi');
    expect(again.body.error.code).toBe('duplicate_enrolment');
  });

  it('is in the OpenAPI document: POST /v1/persons takes an optional Idempotency-Key', async () => {
    const document = await t.call('GET', '/v1/openapi.json', { token: null });
    const parameters = document.body.paths['/v1/persons'].post.parameters as unknown[];
    expect(parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
  });
});
