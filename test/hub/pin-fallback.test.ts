// The PIN fallback (extension) over real HTTP: member numbers on enrolment, POST /v1/pin-authorizations
// paying through a hold, the try counter shared with verify-pin, refusals, and the member-number migration.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '../../src/hub/storage/sqlite/migrations.ts';
import { startHub } from '../../src/hub/hub.ts';
import {
  pinAttemptsMax,
  pinFailuresPerDayPerClientMax,
  pinOnlyAmountMax,
} from '../../src/shared/limits.ts';
import {
  dammCheckDigit,
  isMemberNumber,
  memberNumberFromPayload,
} from '../../src/shared/member-number.ts';
import { pinAuthorizationSchema } from '../../src/shared/hub-api.ts';
import {
  account,
  assignEnroller,
  balances,
  client,
  holdBody,
  openRawDb,
  startTestHub,
  type TestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId,
  dataDirAtVersion,
  storeKind,
  tempDir,
} from './helpers.ts';
import { enrolTestPerson, sealedPin, sealedProbe, startIdentityHub } from './identity-helpers.ts';

const modelId = testFaceModelId;
let t: TestHub;
let enroller: string;
let enrollerId: string;
let till: string;
let hubKey: Uint8Array;

const probe = (template: Float32Array) => sealedProbe(t, hubKey, template);
const pin = (value: string, purpose: string) => sealedPin(t, hubKey, value, purpose);

interface Enrolled {
  id: string;
  memberNumber: string;
}

async function enrol(
  accountId: string,
  options: { dateOfBirth?: string; pin?: string; face?: Float32Array } = {},
): Promise<Enrolled> {
  const { face: template, ...person } = options;
  return enrolTestPerson(t, hubKey, {
    enroller: { id: enrollerId, token: enroller },
    accountId,
    ...person,
    ...(template === undefined ? {} : { sealedTemplate: () => probe(face(template)) }),
  });
}

/** One PIN-fallback request from `token`; the clock moves a second first so the rate limit allows it. */
async function pinPay(
  memberNumber: string,
  pinValue: string,
  options: { amount?: number; payee?: string; token?: string; purpose?: string } = {},
) {
  t.clock.advance(1_000);
  return t.call('POST', '/v1/pin-authorizations', {
    token: options.token ?? till,
    body: {
      memberNumber,
      sealedPin: pin(pinValue, options.purpose ?? `member:${memberNumber}`),
      payee: options.payee ?? 'shop',
      amount: options.amount ?? 1_000,
    },
  });
}

/** A valid member number (check digit right) that the hub never issued in this test's hub. */
function unissuedMemberNumber(taken: string[]): string {
  for (let payload = 123_456_789; ; payload++) {
    const number = memberNumberFromPayload(String(payload));
    if (!taken.includes(number)) return number;
  }
}

async function startWithIdentity() {
  const started = await startIdentityHub();
  ({ t, till, hubKey } = started);
  ({ id: enrollerId, token: enroller } = started.enroller);
}

afterEach(async () => {
  vi.restoreAllMocks();
  await t.stop();
});

describe('member numbers', () => {
  beforeEach(startWithIdentity);

  it('every enrolled person gets a unique 10-digit member number with a check digit, shown on read', async () => {
    const people = [await enrol('alice'), await enrol('bob'), await enrol('carol')];
    const numbers = people.map((p) => p.memberNumber);
    for (const number of numbers) {
      expect(number).toMatch(/^[1-9]\d{9}$/);
      expect(isMemberNumber(number)).toBe(true);
    }
    expect(new Set(numbers).size).toBe(numbers.length);
    const shown = await t.call('GET', `/v1/persons/${people[0]?.id}`, { token: enroller });
    expect(shown.body.memberNumber).toBe(people[0]?.memberNumber);
    const doc = await t.call('GET', '/v1/openapi.json');
    const route = doc.body.paths['/v1/pin-authorizations'].post;
    const schema = route.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['memberNumber', 'sealedPin', 'payee', 'amount']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('the check digit (Damm) refuses every single-digit typo and every swap of neighbours', () => {
    expect(dammCheckDigit('572')).toBe('4');
    const number = memberNumberFromPayload('482193765');
    for (let i = 0; i < number.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const typo = number.slice(0, i) + String(d) + number.slice(i + 1);
        if (typo !== number) expect(isMemberNumber(typo)).toBe(false);
      }
      if (i + 1 < number.length && number[i] !== number[i + 1]) {
        const swapped =
          number.slice(0, i) + (number[i + 1] ?? '') + (number[i] ?? '') + number.slice(i + 2);
        expect(isMemberNumber(swapped)).toBe(false);
      }
    }
  });

  it('an erased person’s number is retired: never issued again, and it pays nothing', async () => {
    const alice = await enrol('alice');
    expect((await t.call('DELETE', `/v1/persons/${alice.id}`, { token: enroller })).status).toBe(
      204,
    );
    const db = await openRawDb(t.dir);
    try {
      expect(
        await db.get(
          'SELECT 1 AS n FROM member_numbers WHERE member_number = ?',
          alice.memberNumber,
        ),
      ).toEqual({ n: 1 });
      await expect(db.run('DELETE FROM member_numbers')).rejects.toThrow(/never reused/);
    } finally {
      await db.close();
    }
    const paid = await pinPay(alice.memberNumber, '4821');
    expect(paid).toMatchObject({ status: 422, body: { error: { code: 'pin_incorrect' } } });
  });
});

describe('paying with member number + PIN', () => {
  beforeEach(startWithIdentity);

  it('the right PIN gives a single-use authorization that pays a purchase hold', async () => {
    const alice = await enrol('alice');
    const before = await balances(t, 'alice');
    const granted = await pinPay(alice.memberNumber, '4821', { amount: 1_000 });
    expect(granted.status).toBe(200);
    expect(pinAuthorizationSchema.strict().parse(granted.body)).toEqual(granted.body);
    expect(granted.body).toMatchObject({
      payer: 'alice',
      personId: alice.id,
      displayNameMasked: 'H***** Y*****',
    });
    expect(Date.parse(granted.body.authorizationExpiresAt)).toBe(t.clock.now() + 120_000);
    const authorization = granted.body.authorization as string;

    const paid = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody(granted.body.payer, 'shop', 980, {
        authorization,
        template: { name: 'purchase' },
      }),
    });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'settled', settled: 980 });
    expect((await balances(t, 'alice')).balance).toBe(before.balance - 980);
    expect((await balances(t, 'shop')).balance).toBe(980);

    const again = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 10, { authorization, template: { name: 'purchase' } }),
    });
    expect(again).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_invalid' } },
    });
  });

  it('wrong PINs count on the one counter verify-pin uses: both routes lock together', async () => {
    const aliceFace = face();
    const alice = await enrol('alice', { face: aliceFace });
    const wrong = [];
    for (let i = 0; i < pinAttemptsMax; i++) wrong.push(await pinPay(alice.memberNumber, '0007'));
    expect(wrong.map((r) => [r.status, r.body.error.code, r.body.error.attemptsLeft])).toEqual([
      [422, 'pin_incorrect', 2],
      [422, 'pin_incorrect', 1],
      [422, 'pin_incorrect', 0],
    ]);
    expect(await pinPay(alice.memberNumber, '4821')).toMatchObject({
      status: 423,
      body: { error: { code: 'pin_locked' } },
    });
    const identified = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId,
        sealedProbe: probe(face(aliceFace)),
        liveness: { passed: true },
        payee: 'shop',
        amount: 1_000,
      },
    });
    expect(identified.body.match.personId).toBe(alice.id);
    t.clock.advance(1_000);
    const afterFace = await t.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: alice.id,
        sealedPin: pin('4821', `verify:${alice.id}`),
        payee: 'shop',
        amount: 1_000,
      },
    });
    expect(afterFace).toMatchObject({ status: 423, body: { error: { code: 'pin_locked' } } });

    // The other way round: a wrong PIN after the face is one of the three here too.
    const document = { type: 'my_number_card', numberHash: 'sha256-alice-0123456789' };
    await t.call('POST', `/v1/persons/${alice.id}/unlock-pin`, {
      token: enroller,
      body: { idDocument: { ...document, verifiedBy: 'officer-7' } },
    });
    t.clock.advance(1_000);
    const wrongAfterFace = await t.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: alice.id,
        sealedPin: pin('0007', `verify:${alice.id}`),
        payee: 'shop',
        amount: 1_000,
      },
    });
    expect(wrongAfterFace.body.error.attemptsLeft).toBe(2);
    expect((await pinPay(alice.memberNumber, '0007')).body.error.attemptsLeft).toBe(1);
    expect((await pinPay(alice.memberNumber, '4821')).status).toBe(200);
    expect((await pinPay(alice.memberNumber, '0007')).body.error.attemptsLeft).toBe(2);
  });

  it('a PIN sealed for enrolment, verify-pin or another member number does not open here', async () => {
    const alice = await enrol('alice');
    const bob = await enrol('bob', { pin: '4821' });
    for (const purpose of ['enrol', `verify:${alice.id}`, `member:${bob.memberNumber}`]) {
      const refused = await pinPay(alice.memberNumber, '4821', { purpose });
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'probe_invalid' } } });
    }
    // None of those counted as a try.
    expect((await pinPay(alice.memberNumber, '0007')).body.error.attemptsLeft).toBe(2);
  });

  it("a till pays only itself: another merchant's till naming this payee is refused", async () => {
    const alice = await enrol('alice');
    await account(t, 'other-shop', 'merchant');
    const otherTill = await client(t, 'merchant', 'other-shop');
    const refused = await pinPay(alice.memberNumber, '4821', { token: otherTill });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const byEnroller = await pinPay(alice.memberNumber, '4821', { token: enroller });
    expect(byEnroller.status).toBe(403);
    // Refusals before the PIN check count no try.
    expect((await pinPay(alice.memberNumber, '0007')).body.error.attemptsLeft).toBe(2);
  });

  it('an unknown member number answers exactly like a wrong PIN, lock included', async () => {
    const alice = await enrol('alice');
    const unknown = unissuedMemberNumber([alice.memberNumber]);
    const known = [];
    const guessed = [];
    for (let i = 0; i <= pinAttemptsMax; i++) {
      known.push(await pinPay(alice.memberNumber, '0007'));
      guessed.push(await pinPay(unknown, '4821'));
    }
    expect(guessed.map((r) => [r.status, r.body])).toEqual(known.map((r) => [r.status, r.body]));
    expect(guessed.map((r) => r.status)).toEqual([422, 422, 422, 423]);
  });

  it('a malformed member number is 400 before any PIN check', async () => {
    const alice = await enrol('alice');
    const n = alice.memberNumber;
    const lastDigit = Number(n.slice(-1));
    const badCheck = n.slice(0, 9) + String((lastDigit + 1) % 10);
    for (const memberNumber of [n.slice(0, 9), `${n}1`, `0${n.slice(1)}`, 'abcdefghij', badCheck]) {
      const refused = await pinPay(memberNumber, '4821', { purpose: `member:${memberNumber}` });
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    }
    expect((await pinPay(n, '0007')).body.error.attemptsLeft).toBe(2);
  });

  it("a child's account needs the face, said only to the one who knows the PIN", async () => {
    const kid = await enrol('kid', { dateOfBirth: '2015-01-01', pin: '5839' });
    const wrong = await pinPay(kid.memberNumber, '0007');
    expect(wrong).toMatchObject({
      status: 422,
      body: { error: { code: 'pin_incorrect', attemptsLeft: 2 } },
    });
    const right = await pinPay(kid.memberNumber, '5839');
    expect(right).toMatchObject({ status: 422, body: { error: { code: 'face_required' } } });
    expect(right.body.authorization).toBeUndefined();
  });

  it(`PIN alone pays at most ${pinOnlyAmountMax} JPY; above it the face is required`, async () => {
    const alice = await enrol('alice');
    const over = await pinPay(alice.memberNumber, '4821', { amount: pinOnlyAmountMax + 1 });
    expect(over).toMatchObject({ status: 422, body: { error: { code: 'face_required' } } });
    const atCap = await pinPay(alice.memberNumber, '4821', { amount: pinOnlyAmountMax });
    expect(atCap.status).toBe(200);
  });

  it('persons enrolled with requirePin pay with the PIN here too', async () => {
    await account(t, 'dana', 'person', 5_000);
    await assignEnroller(t, 'dana', enrollerId);
    const dana = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: {
        displayName: 'Dana',
        dateOfBirth: '1970-03-03',
        accountId: 'dana',
        idDocument: { type: 'passport', numberHash: 'sha256-dana-0123456789', verifiedBy: 'o' },
        requirePin: true,
        sealedPin: pin('4821', 'enrol'),
      },
    });
    expect((await pinPay(dana.body.memberNumber as string, '4821')).status).toBe(200);
  });
});

describe('PIN fallback rate limit', () => {
  beforeEach(startWithIdentity);

  it('faster than one check a second per till is 429 without a counted try, shared with verify-pin', async () => {
    const aliceFace = face();
    const alice = await enrol('alice', { face: aliceFace });
    const identified = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId,
        sealedProbe: probe(face(aliceFace)),
        liveness: { passed: true },
        payee: 'shop',
        amount: 1_000,
      },
    });
    expect(identified.body.match.personId).toBe(alice.id);
    const ask = () =>
      t.call('POST', '/v1/pin-authorizations', {
        token: till,
        body: {
          memberNumber: alice.memberNumber,
          sealedPin: pin('0007', `member:${alice.memberNumber}`),
          payee: 'shop',
          amount: 1_000,
        },
      });
    const unknown = unissuedMemberNumber([alice.memberNumber]);
    const askUnknown = () =>
      t.call('POST', '/v1/pin-authorizations', {
        token: till,
        body: {
          memberNumber: unknown,
          sealedPin: pin('0007', `member:${unknown}`),
          payee: 'shop',
          amount: 1_000,
        },
      });
    expect([(await ask()).status, (await ask()).status]).toEqual([422, 422]);
    const verify = await t.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: alice.id,
        sealedPin: pin('0007', `verify:${alice.id}`),
        payee: 'shop',
        amount: 1_000,
      },
    });
    expect(verify).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    t.clock.advance(1_000);
    expect((await ask()).body.error).toMatchObject({ code: 'pin_incorrect', attemptsLeft: 0 });
    t.clock.advance(1_000);
    expect((await askUnknown()).body.error).toMatchObject({
      code: 'pin_incorrect',
      attemptsLeft: 2,
    });
    const tooSoon = await askUnknown();
    expect(tooSoon).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    t.clock.advance(1_000);
    expect((await askUnknown()).body.error.attemptsLeft).toBe(1);
  });
});

describe('wrong PINs per till and day', () => {
  beforeEach(startWithIdentity);

  it("a till past the day's wrong PINs is refused every PIN check, even a right one, until they age out", async () => {
    // A rogue or stolen till spraying one PIN over many member numbers never meets the 3-try lock of
    // any one person: the till's own wrong PINs of the last 24 h bound it, counted in the audit log.
    const bob = await enrol('bob', { pin: '2468' });
    const taken = [bob.memberNumber];
    for (let i = 0; i < pinFailuresPerDayPerClientMax; i++) {
      const unknown = unissuedMemberNumber(taken);
      taken.push(unknown);
      expect((await pinPay(unknown, '0000')).body.error.code).toBe('pin_incorrect');
    }
    const cut = await pinPay(bob.memberNumber, '2468');
    expect(cut).toMatchObject({ status: 429, body: { error: { code: 'pin_checks_suspended' } } });
    // Another till of the same shop is not affected, and Bob's PIN was never tried.
    const other = await client(t, 'merchant', 'shop');
    expect((await pinPay(bob.memberNumber, '2468', { token: other })).status).toBe(200);
    t.clock.advance(24 * 3_600_000);
    expect((await pinPay(bob.memberNumber, '2468')).status).toBe(200);
  });

  it('the operator may lower the cap (FACEPAY_PIN_FAILURES_PER_DAY_PER_CLIENT), never raise it', async () => {
    await t.stop();
    const started = await startIdentityHub({ pinFailuresPerDayPerClient: 2 });
    ({ t, till, hubKey } = started);
    ({ id: enrollerId, token: enroller } = started.enroller);
    const bob = await enrol('bob', { pin: '2468' });
    const taken = [bob.memberNumber];
    for (let i = 0; i < 2; i++) {
      const unknown = unissuedMemberNumber(taken);
      taken.push(unknown);
      expect((await pinPay(unknown, '0000')).body.error.code).toBe('pin_incorrect');
    }
    expect(await pinPay(bob.memberNumber, '2468')).toMatchObject({
      status: 429,
      body: {
        error: { code: 'pin_checks_suspended', message: expect.stringMatching(/^2 wrong PINs/) },
      },
    });
    // Refused before the hub opens anything: no data directory is made.
    const dataDir = join(tempDir(), 'never-made');
    await expect(
      startHub({ dataDir, pinFailuresPerDayPerClient: pinFailuresPerDayPerClientMax + 1 }),
    ).rejects.toThrow(/wrong-PIN cap is 1 to 50/);
    expect(existsSync(dataDir)).toBe(false);
    rmSync(dirname(dataDir), { recursive: true, force: true });
  });
});

describe('what the hub writes down', () => {
  beforeEach(startWithIdentity);

  it('neither the PIN nor the member number reaches the audit log or the output', async () => {
    let output = '';
    const capture = (chunk: unknown) => {
      output += String(chunk);
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const alice = await enrol('alice', { pin: '730518' });
    const unknown = unissuedMemberNumber([alice.memberNumber]);
    await pinPay(alice.memberNumber, '961403');
    await pinPay(unknown, '730518');
    const granted = await pinPay(alice.memberNumber, '730518');
    expect(granted.status).toBe(200);
    vi.restoreAllMocks();

    const db = await openRawDb(t.dir);
    let rows: { kind: string; subject: string; actor: string; data: string }[];
    try {
      rows = await db.all<{ kind: string; subject: string; actor: string; data: string }>(
        'SELECT kind, subject, actor, data FROM audit_log ORDER BY seq',
      );
    } finally {
      await db.close();
    }
    const kinds = rows.map((r) => r.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'person.pin_failed',
        'identity.member_number_unknown',
        'person.pin_only_authorized',
      ]),
    );
    const failed = rows.find((r) => r.kind === 'person.pin_failed');
    expect(failed).toMatchObject({ subject: alice.id });
    expect(JSON.parse(failed?.data ?? '{}')).toEqual({ failures: 1, via: 'member_number' });
    const written = JSON.stringify(rows) + output;
    for (const secret of ['730518', '961403', alice.memberNumber, unknown]) {
      expect(written).not.toContain(secret);
    }
  });
});

// SQLite's own migrations from older files; PostgreSQL starts at its schema 1 (no older deployments).
describe.runIf(storeKind === 'sqlite')('the member-number migration', () => {
  it('a database written before member numbers (v5) gives each existing person a number', async () => {
    const { dir, db } = dataDirAtVersion(5);
    const insertAccount = db.prepare(
      "INSERT INTO accounts VALUES (?, 'person', ?, 'JPY', 0, 0, '{}', '[]', 0)",
    );
    const insertPerson = db.prepare(
      `INSERT INTO persons VALUES (?, 'Old Person', '1980-01-01', ?, 'passport', ?, 'officer', NULL, 0,
         '$argon2id$v=19$m=65536,t=2,p=1$x$y', 0, 'cli_old', ?)`,
    );
    for (const [i, id] of ['per_old1', 'per_old2', 'per_old3'].entries()) {
      insertAccount.run(`acc-${id}`, id);
      insertPerson.run(id, `acc-${id}`, `sha256-${id}-0123456789`, i);
    }
    db.close();

    const cal = testCalibrationFile();
    const hub = await startHub({ dataDir: dir, sweeper: false, calibrationFile: cal });
    await hub.close();
    const migrated = new Database(join(dir, 'hub.sqlite'));
    expect(migrated.pragma('user_version', { simple: true })).toBe(migrations.length);
    const numbers = migrated
      .prepare<[], { id: string; member_number: string }>(
        'SELECT id, member_number FROM persons ORDER BY id',
      )
      .all();
    expect(numbers.map((r) => r.id)).toEqual(['per_old1', 'per_old2', 'per_old3']);
    for (const row of numbers) expect(isMemberNumber(row.member_number)).toBe(true);
    expect(new Set(numbers.map((r) => r.member_number)).size).toBe(3);
    const issued = migrated.prepare('SELECT COUNT(*) AS n FROM member_numbers').get();
    expect(issued).toEqual({ n: 3 });
    expect(() =>
      migrated.prepare("UPDATE persons SET member_number = NULL WHERE id = 'per_old1'").run(),
    ).toThrow(/never changed/);
    migrated.close();
    rmSync(dir, { recursive: true, force: true });
    t = await startTestHub();
  });
});
