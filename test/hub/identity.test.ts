// The Identity section of API.md end to end over HTTP: enrolment with a sealed PIN, sealed templates,
// duplicate enrolment, identification with score and margin, PIN lock, single-use authorizations
// bound to account, payee and amount, age and category refusals, erasure, and restart from sealed rows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sealProbe } from '../../src/biometrics/protect/probe-seal.ts';
import {
  account,
  assignEnroller,
  client,
  databaseFor,
  holdBody,
  openRawDb,
  startTestHub,
  type TestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId,
} from './helpers.ts';
import {
  b64,
  enrolTestPerson,
  sealedPin,
  sealedProbe,
  startIdentityHub,
  testIdDocument,
  testPersonBody,
} from './identity-helpers.ts';

const modelId = testFaceModelId;
let t: TestHub;
let enroller: string;
let enrollerId: string;
let till: string;
let hubKey: Uint8Array;

const probe = (template: Float32Array) => sealedProbe(t, hubKey, template);
const pin = (value: string, purpose: string) => sealedPin(t, hubKey, value, purpose);

async function enrol(
  accountId: string,
  dateOfBirth: string,
  template: Float32Array,
  pinValue = '4821',
) {
  const sealedTemplate = () => probe(face(template));
  const enrolled = await enrolTestPerson(t, hubKey, {
    enroller: { id: enrollerId, token: enroller },
    accountId,
    dateOfBirth,
    pin: pinValue,
    sealedTemplate,
  });
  return enrolled.id;
}

/** Identifies a fresh noisy capture of `template`. */
async function identify(
  template: Float32Array,
  amount = 1_000,
  extra: Record<string, unknown> = {},
) {
  return identifyExact(face(template), amount, extra);
}

/** Identifies exactly this protected template. */
async function identifyExact(
  template: Float32Array,
  amount = 1_000,
  extra: Record<string, unknown> = {},
) {
  return t.call('POST', '/v1/identify', {
    token: till,
    body: {
      modelId,
      sealedProbe: probe(template),
      liveness: { passed: true, score: 0.97 },
      payee: 'shop',
      amount,
      ...extra,
    },
  });
}

/** The till's PIN check of `personId` with `pinValue`, for the 1,000 yen `identify` asks about by default. */
function verifyPin(personId: string, pinValue: string) {
  return t.call('POST', '/v1/verify-pin', {
    token: till,
    body: {
      personId,
      sealedPin: pin(pinValue, `verify:${personId}`),
      payee: 'shop',
      amount: 1_000,
    },
  });
}

async function startWith(faceOnlyFmr?: number) {
  const started = await startIdentityHub({ faceOnlyFmr });
  ({ t, till, hubKey } = started);
  ({ id: enrollerId, token: enroller } = started.enroller);
}

afterEach(async () => t.stop());

describe('enrolment', () => {
  beforeEach(async () => startWith());

  it('enrols with a sealed PIN and refuses duplicates, weak PINs and replays', async () => {
    const alice = face();
    const id = await enrol('alice', '1990-04-01', alice);
    const shown = await t.call('GET', `/v1/persons/${id}`, { token: enroller });
    expect(shown.body).toMatchObject({
      displayNameMasked: 'H***** Y*****',
      child: false,
      templates: 2,
    });
    expect(JSON.stringify(shown.body)).not.toContain('Hanako');

    await account(t, 'bob', 'person');
    await assignEnroller(t, 'bob', enrollerId);
    const base = {
      displayName: 'Bob',
      dateOfBirth: '1980-01-01',
      accountId: 'bob',
      idDocument: { type: 'passport', numberHash: 'sha256-bob-0123456789', verifiedBy: 'o' },
    };
    const weak = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: { ...base, sealedPin: pin('1234', 'enrol') },
    });
    expect(weak).toMatchObject({ status: 422, body: { error: { code: 'pin_rejected' } } });
    const sealed = pin('5307', 'enrol');
    expect(
      (
        await t.call('POST', '/v1/persons', {
          token: enroller,
          body: { ...base, sealedPin: sealed },
        })
      ).status,
    ).toBe(201);
    // Sent again for another account the enroller may use, so only the envelope's nonce refuses it.
    await account(t, 'bob-again', 'person');
    await assignEnroller(t, 'bob-again', enrollerId);
    const again = {
      ...base,
      accountId: 'bob-again',
      idDocument: { ...base.idDocument, numberHash: 'sha256-bob-again-0123456789' },
    };
    const replayed = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: { ...again, sealedPin: sealed },
    });
    expect(replayed).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
    const sameDoc = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: { ...base, sealedPin: pin('5307', 'enrol') },
    });
    expect(sameDoc.body.error.code).toBe('duplicate_enrolment');
    const wrongPurpose = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: { ...again, sealedPin: pin('5307', 'verify:x') },
    });
    expect(wrongPurpose).toMatchObject({ status: 400, body: { error: { code: 'probe_invalid' } } });
    const byMerchant = await t.call('POST', '/v1/persons', {
      token: till,
      body: { ...base, sealedPin: pin('5307', 'enrol') },
    });
    expect(byMerchant.status).toBe(403);
  });

  it('a child has exactly a 4-digit PIN; the same face cannot be enrolled twice', async () => {
    await account(t, 'kid', 'person');
    await assignEnroller(t, 'kid', enrollerId);
    const kid = {
      displayName: 'Kenta',
      dateOfBirth: '2016-05-05',
      accountId: 'kid',
      idDocument: { type: 'my_number_card', numberHash: 'sha256-kid-0123456789', verifiedBy: 'o' },
    };
    // A station enrols a child only with a guardian's consent (guardian.test.ts); admin may without.
    const longPin = await t.call('POST', '/v1/persons', {
      body: { ...kid, sealedPin: pin('583920', 'enrol') },
    });
    expect(longPin.body.error.code).toBe('pin_rejected');
    const ok = await t.call('POST', '/v1/persons', {
      body: { ...kid, sealedPin: pin('5839', 'enrol') },
    });
    expect(ok.body.child).toBe(true);

    const alice = face();
    const aliceId = await enrol('alice', '1990-04-01', alice);
    const again = await t.call('POST', `/v1/persons/${ok.body.id}/templates`, {
      body: { modelId, sealedTemplates: [probe(face(alice))] },
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'duplicate_enrolment' } } });
    // The officer sees whose face it is only as a masked id (to quote to support), never the person.
    const masked = again.body.error.existingPersonMasked as string;
    expect(masked).toBe(`per_…${aliceId.slice(-4)}`);
    expect(JSON.stringify(again.body)).not.toContain(aliceId);
    const mixed = await t.call('POST', `/v1/persons/${ok.body.id}/templates`, {
      body: { modelId, sealedTemplates: [probe(face()), probe(face())] },
    });
    expect(mixed.status).toBe(400);
  });

  it('refuses tampered, replayed and wrong-model probes', async () => {
    const id = await enrol('alice', '1990-04-01', face());
    const sealed = Buffer.from(probe(face()), 'base64');
    sealed[sealed.length - 5] = (sealed[sealed.length - 5] ?? 0) ^ 1;
    const tampered = await t.call('POST', `/v1/persons/${id}/templates`, {
      token: enroller,
      body: { modelId, sealedTemplates: [b64(sealed)] },
    });
    expect(tampered).toMatchObject({ status: 400, body: { error: { code: 'probe_invalid' } } });
    const wrongModel = await t.call('POST', `/v1/persons/${id}/templates`, {
      token: enroller,
      body: { modelId: 'other-model', sealedTemplates: [probe(face())] },
    });
    expect(wrongModel.body.error.code).toBe('model_not_calibrated');
    const captured = probe(face());
    const first = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId,
        sealedProbe: captured,
        liveness: { passed: true },
        payee: 'shop',
        amount: 10,
      },
    });
    expect(first.status).toBe(200);
    const replay = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId,
        sealedProbe: captured,
        liveness: { passed: true },
        payee: 'shop',
        amount: 10,
      },
    });
    expect(replay).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
    t.clock.advance(60_000);
    const stale = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId,
        sealedProbe: b64(
          sealProbe({
            hubPublicKey: hubKey,
            template: face(),
            modelId,
            nowMs: t.clock.now() - 60_000,
          }),
        ),
        liveness: { passed: true },
        payee: 'shop',
        amount: 10,
      },
    });
    expect(stale.body.error.code).toBe('probe_stale');
  });

  it('keeps the consent the person agreed to with the person: version, language, the time of enrolment', async () => {
    await account(t, 'carol', 'person', 0);
    await assignEnroller(t, 'carol', enrollerId);
    const enrolled = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: {
        ...testPersonBody(t, hubKey, { accountId: 'carol' }),
        consent: { version: 'facepay-consent-2026-12-01', language: 'en' },
      },
    });
    expect(enrolled.status).toBe(201);
    const shown = await t.call('GET', `/v1/persons/${enrolled.body.id}`, { token: enroller });
    expect(shown.body.consent).toEqual({
      version: 'facepay-consent-2026-12-01',
      language: 'en',
      at: new Date(t.clock.now()).toISOString(),
    });
    const without = await enrol('dave', '1970-01-01', face());
    const shownWithout = await t.call('GET', `/v1/persons/${without}`, { token: enroller });
    expect(shownWithout.body.consent).toBeNull();
  });

  it("a second officer's override of the photo check is named in the enrolment's audit row", async () => {
    await account(t, 'bob', 'person', 0);
    await assignEnroller(t, 'bob', enrollerId);
    const body = testPersonBody(t, hubKey, { accountId: 'bob' });
    const enrolled = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: { ...body, idDocument: { ...body.idDocument, secondOfficer: 'officer-9' } },
    });
    expect(enrolled.status).toBe(201);
    const rows = await t.hub.store.auditRows(0, 10_000);
    const row = rows.find((r) => r.kind === 'person.enrolled' && r.subject === enrolled.body.id);
    expect(JSON.parse(row?.data ?? '{}')).toMatchObject({
      officer: 'officer-7',
      secondOfficer: 'officer-9',
    });
  });
});

describe('identification and PIN', () => {
  beforeEach(async () => startWith());

  it('identifies with score and margin; without measured face-only FMR the PIN is required', async () => {
    const alice = face();
    const id = await enrol('alice', '1990-04-01', alice);
    await enrol('carol', '1985-02-02', face());
    const found = await identify(alice);
    expect(found.body).toMatchObject({
      match: { personId: id, displayNameMasked: 'H***** Y*****' },
      pinRequired: true,
    });
    expect(found.body.match.score).toBeGreaterThan(0.6);
    expect(found.body.match.margin).toBeGreaterThan(0.3);
    expect(found.body.authorization).toBeUndefined();
    expect((await identify(face())).body).toEqual({ match: null, pinRequired: false });
    const notLive = await identify(alice, 1_000, {
      liveness: { passed: false, reasons: ['no_blink'] },
    });
    expect(notLive).toMatchObject({ status: 422, body: { error: { code: 'liveness_failed' } } });
    const otherPayee = await identify(alice, 1_000, { payee: 'elsewhere' });
    expect(otherPayee.status).toBe(403);
  });

  it('PIN after the face: 3 wrong tries lock it until an officer unlocks; the right PIN authorizes once', async () => {
    const alice = face();
    const id = await enrol('alice', '1990-04-01', alice);
    const early = await verifyPin(id, '4821');
    expect(early).toMatchObject({
      status: 403,
      body: { error: { code: 'identification_required' } },
    });
    await identify(alice);
    const attempts = [];
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1_000);
      attempts.push(await verifyPin(id, '0007'));
    }
    expect(attempts.map((a) => [a.status, a.body.error.attemptsLeft])).toEqual([
      [422, 2],
      [422, 1],
      [422, 0],
    ]);
    t.clock.advance(1_000);
    const locked = await verifyPin(id, '4821');
    expect(locked).toMatchObject({ status: 423, body: { error: { code: 'pin_locked' } } });
    expect(
      (await t.call('POST', `/v1/persons/${id}/unlock-pin`, { token: till, body: {} })).status,
    ).toBe(403);
    expect(
      (
        await t.call('POST', `/v1/persons/${id}/unlock-pin`, {
          token: enroller,
          body: { idDocument: testIdDocument('alice') },
        })
      ).status,
    ).toBe(204);
    t.clock.advance(1_000);
    const right = await verifyPin(id, '4821');
    expect(right.status).toBe(200);
    const authorization = right.body.authorization as string;
    const tooMuch = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 1_001, { authorization }),
    });
    expect(tooMuch.body.error.code).toBe('authorization_invalid');
    const paid = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 980, { authorization, template: { name: 'purchase' } }),
    });
    expect(paid.status).toBe(201);
    const reused = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 980, { authorization }),
    });
    expect(reused.body.error.code).toBe('authorization_invalid');
  });
});

describe('PIN checks are rate limited per till', () => {
  beforeEach(async () => startWith());

  it('a till that asks for PIN checks faster than one a second gets 429, without a counted try', async () => {
    const alice = face();
    const id = await enrol('alice', '1990-04-01', alice);
    await identify(alice);
    const ask = () => verifyPin(id, '0007');
    const statuses = [(await ask()).status, (await ask()).status, (await ask()).status];
    expect(statuses).toEqual([422, 422, 429]);
    t.clock.advance(1_000);
    const next = await ask();
    expect(next.body.error).toMatchObject({ code: 'pin_incorrect', attemptsLeft: 0 });
  });
});

describe('face alone, where measured FMR allows it', () => {
  beforeEach(async () => startWith(1e-9));

  it('authorizes by face for an adult under the step-up amount; bound to account, payee, amount, 120 s', async () => {
    const alice = face();
    await enrol('alice', '1990-04-01', alice);
    await account(t, 'other-shop', 'merchant');
    const otherTill = await client(t, 'merchant', 'other-shop');
    const found = await identify(alice, 2_000);
    expect(found.body.pinRequired).toBe(false);
    const authorization = found.body.authorization as string;
    const wrongPayee = await t.call('POST', '/v1/holds', {
      token: otherTill,
      body: holdBody('alice', 'other-shop', 100, { authorization }),
    });
    expect(wrongPayee.body.error.code).toBe('authorization_invalid');
    t.clock.advance(120_000);
    const expired = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 100, { authorization }),
    });
    expect(expired.body.error.code).toBe('authorization_invalid');
    const fresh = (await identify(alice, 2_000)).body.authorization as string;
    expect(
      (
        await t.call('POST', '/v1/holds', {
          token: till,
          body: holdBody('alice', 'shop', 2_000, { authorization: fresh }),
        })
      ).status,
    ).toBe(201);
    expect((await identify(alice, 30_000)).body).toMatchObject({ pinRequired: true });
  });

  it('children always need the PIN; age-restricted categories follow the verified date of birth', async () => {
    const kid = face();
    await enrol('kid', '2015-01-01', kid, '5839');
    expect((await identify(kid, 100)).body.pinRequired).toBe(true);
    const adult = face();
    await enrol('adult', '1990-01-01', adult);
    const beerForKid = await t.call('POST', '/v1/holds', {
      body: holdBody('kid', 'shop', 300, { category: 'alcohol' }),
    });
    expect(beerForKid).toMatchObject({ status: 422, body: { error: { code: 'age_restricted' } } });
    const beerForAdult = await t.call('POST', '/v1/holds', {
      body: holdBody('adult', 'shop', 300, { category: 'alcohol' }),
    });
    expect(beerForAdult.status).toBe(201);
    await account(t, 'nobody-verified', 'person', 1_000);
    const unverified = await t.call('POST', '/v1/holds', {
      body: holdBody('nobody-verified', 'shop', 300, { category: 'tobacco' }),
    });
    expect(unverified.body.error.code).toBe('age_restricted');
  });
});

describe('erasure and restart', () => {
  beforeEach(async () => startWith());

  it('erasure destroys templates and leaves only the fact in the audit log', async () => {
    const alice = face();
    const id = await enrol('alice', '1990-04-01', alice);
    expect((await t.call('DELETE', `/v1/persons/${id}`, { token: till })).status).toBe(403);
    expect((await t.call('DELETE', `/v1/persons/${id}`, { token: enroller })).status).toBe(204);
    expect((await identify(alice)).body.match).toBeNull();
    expect((await t.call('GET', `/v1/persons/${id}`, { token: enroller })).status).toBe(404);
    const db = await openRawDb(t.dir);
    try {
      expect(await db.get('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM templates')).toEqual({
        n: 0,
      });
      const audit = await db.all<{ kind: string; data: string }>(
        "SELECT kind, data FROM audit_log WHERE kind LIKE 'person.%' ORDER BY seq",
      );
      expect(audit.map((a) => a.kind)).toEqual([
        'person.enrolled',
        'person.templates_added',
        'person.erased',
      ]);
      expect(audit.map((a) => a.data).join()).not.toMatch(/Hanako|1990-04-01/);
      // The enrolment names the officer who checked the document, not only the station's client.
      expect(JSON.parse(audit[0]?.data ?? '{}')).toMatchObject({ officer: 'officer-7' });
    } finally {
      await db.close();
    }
    // The same erasure again (its answer lost) is answered as the first was, and writes nothing
    // (erasure-retry.test.ts); the person stays not found to reads.
    expect((await t.call('DELETE', `/v1/persons/${id}`, { token: enroller })).status).toBe(204);
  });

  it('a PIN check racing the erasure of its person answers 404 or the verdict, never a 500', async () => {
    // Erased while its Argon2id ran, the person was asserted present in the PIN's transaction: 500.
    const statuses: number[] = [];
    for (const [i, delayMs] of [0, 2, 5, 10, 20, 40].entries()) {
      const template = face();
      const id = await enrol(`racer-${i}`, '1990-04-01', template);
      t.clock.advance(1_000);
      expect((await identify(template)).body).toMatchObject({ pinRequired: true });
      const checked = verifyPin(id, '0007');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const erased = await t.call('DELETE', `/v1/persons/${id}`, { token: enroller });
      expect(erased.status).toBe(204);
      statuses.push((await checked).status);
    }
    expect(statuses.filter((status) => status !== 404 && status !== 422)).toEqual([]);
  });

  it('a restarted hub reopens the sealed templates; a tampered row stops it from starting', async () => {
    const alice = face();
    const id = await enrol('alice', '1990-04-01', alice);
    const dir = t.dir;
    await t.hub.close();
    const { startHub } = await import('../../src/hub/hub.ts');
    const cal = testCalibrationFile();
    // The same database the first hub used: SQLite's file in `dir`, or the project's PostgreSQL one.
    const databaseUrl = await databaseFor(dir);
    const options = {
      dataDir: dir,
      clock: t.clock,
      sweeper: false,
      calibrationFile: cal,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    };
    const again = await startHub(options);
    expect(again.identity?.gallery.personCount).toBe(1);
    await again.close();
    const db = await openRawDb(dir);
    try {
      expect(
        await db.run(
          'UPDATE templates SET sealed = ? WHERE person_id = ?',
          randomBytes(24 + 512 + 16),
          id,
        ),
      ).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
    await expect(startHub(options)).rejects.toThrow(/does not open/);
    rmSync(dir, { recursive: true, force: true });
    t = await startTestHub();
  });
});

describe('re-keying the cancelable transform', () => {
  beforeEach(async () => startWith());

  it('moves stored templates to a new key without any face; scores are unchanged, old probes stop matching', async () => {
    const { readKeyFile } = await import('../../src/biometrics/protect/key-files.node.ts');
    const { CancelableTransform } =
      await import('../../src/biometrics/protect/cancelable-transform.ts');
    const keyFile = join(t.dir, 'keys', 'transform.key');
    const readKey = async () => {
      const read = await readKeyFile({ path: keyFile, kind: 'transform' });
      if (!read.ok) throw new Error(read.error.message);
      return CancelableTransform.fromKey({ key: read.value, dimension: 128 });
    };
    const before = await readKey();
    const raw = face();
    const id = await enrol('alice', '1990-04-01', before.apply(raw));
    const probeFace = face(raw);
    const scoreBefore = (await identifyExact(before.apply(probeFace))).body.match.score as number;

    const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body.templates).toBe(2);
    const after = await readKey();
    const matched = await identifyExact(after.apply(probeFace));
    expect(matched.body.match.personId).toBe(id);
    expect(matched.body.match.score).toBeCloseTo(scoreBefore, 5);
    expect((await identifyExact(before.apply(probeFace))).body.match).toBeNull();
    const byMerchant = await t.call('POST', '/v1/admin/rekey', { token: till, body: {} });
    expect(byMerchant.status).toBe(403);
  });
});
