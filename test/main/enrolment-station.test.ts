// The enrolment station mode of the kiosk service against a real hub (real HTTP, real SQLite): an officer
// signs in (PIN against a verifier) and the station locks when idle; the ID document is checked; the live
// face must match the ID photo at the photo-vs-live threshold; PIN twice and consent; the hub enrols with
// the officer as verifiedBy; a mismatch, a bad MRZ, an expired document, a reused document and a face enrolled
// already are refused, and a refused face leaves no person behind on the account.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import {
  disposeKioskIdentity,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { loadPhotoVsLiveGate } from '../../src/main/photo-vs-live-gate.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { enrolmentConsentVersion } from '../../src/shared/kiosk-api.ts';
import { stationIdleLockMs } from '../../src/shared/limits.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { openRawDb, syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { networkHoldingBack, sameFaceAs } from './kiosk-test-hub.ts';
import type { StationHub } from './station-fixture.ts';
import {
  closeStationHub,
  deployStation,
  liveness as live,
  modelId,
  officer,
  startStationHub,
} from './station-fixture.ts';

/** A TD3 passport MRZ whose check digits follow ICAO 9303 (see test/shared/id-document.test.ts). */
const passportMrz = [
  'P<JPNTANAKA<<HANAKO<<<<<<<<<<<<<<<<<<<<<<<<<',
  'TK12345671JPN9004012F3104013<<<<<<<<<<<<<<00',
].join('\n');
const passport = {
  type: 'passport' as const,
  number: 'TK1234567',
  name: 'Hanako Tanaka',
  dateOfBirth: '1990-04-01',
  expiry: '2031-04-01',
  mrz: passportMrz,
};
/** A My Number card: 12 digits whose last is the check digit (123456789018). */
const myNumberCard = (name: string) => ({
  type: 'my_number_card' as const,
  number: '1234 5678 9018',
  name,
  dateOfBirth: '1985-07-07',
  expiry: '2033-07-07',
});
const consent = {
  version: enrolmentConsentVersion,
  language: 'ja' as const,
  accepted: true as const,
};
let fx: StationHub;
let station: EnrolmentStationDeployment;
let identity: KioskIdentity;
let calibrationFile: string;
const links: HubLink[] = [];

beforeAll(async () => {
  fx = await startStationHub('facepay-station-');
  station = await deployStation(fx, {
    dir: fx.work,
    name: 'Ward office station 1',
    officers: [officer, { id: 'o-kato', pin: '902468' }],
    accounts: [
      'hanako',
      'mismatch',
      'twin',
      'other',
      'nocal',
      'erase',
      'weakpin',
      'override',
      'mother',
      'kenta',
      'withdrawn',
    ],
  });
  // The station's 1:1 operating point, as models/photo-vs-live.json would give it.
  calibrationFile = path.join(fx.work, 'photo-vs-live.json');
  await writeFile(
    calibrationFile,
    JSON.stringify({
      modelId,
      threshold: 0.8,
      targetFmr: 0.001,
      combine: 'median',
      outOfSample: {
        fmr: 0.001,
        fnmr: 0.05,
        genuinePairs: 100,
        impostorPairs: 1000,
        folds: 5,
        seeds: 1,
        fmrWorstFold: 0.002,
        fnmrWorstFold: 0.08,
      },
      pairs: 'test pairs',
      fittedAt: '2026-12-01T00:00:00.000Z',
    }),
  );
  const loaded = await loadKioskIdentity({ dir: station.config.keysDir, create: false });
  if (!loaded.ok) throw new Error(loaded.error.message);
  identity = loaded.value;
}, 60_000);

afterAll(async () => {
  for (const link of links) link.dispose();
  if (identity !== undefined) disposeKioskIdentity(identity);
  await closeStationHub(fx);
  await assertNoProcessLeft();
});

async function stationService(options: { calibration?: string; fetch?: typeof fetch } = {}) {
  const link = new HubLink({
    hubUrl: fx.hub.url,
    hubToken: station.config.hubToken,
    kioskId: station.config.kioskId,
    identity,
    // The hub checks a seal's time against its own clock.
    now: Date.now,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  links.push(link);
  const log = new StationLog(station.config.enrolment?.logFile ?? '');
  const service = new KioskService({
    config: station.config,
    hub: link,
    modelId,
    now: Date.now,
    station: {
      log,
      photoVsLive: await loadPhotoVsLiveGate(options.calibration ?? calibrationFile),
    },
  });
  return service.handlers;
}

async function signedIn(options: { calibration?: string; fetch?: typeof fetch } = {}) {
  const handlers = await stationService(options);
  const answer = await handlers.officerSignIn({ officerId: officer.id, pin: officer.pin });
  expect(answer).toMatchObject({ ok: true, station: { officer: officer.id } });
  return handlers;
}

type Handlers = Awaited<ReturnType<typeof stationService>>;

/** Document, ID photo, live face, then PIN twice with consent; stops at the first refusal. */
async function enrol(
  handlers: Handlers,
  who: {
    accountId: string;
    document: Parameters<Handlers['enrolmentDocument']>[0]['document'];
    photo: Float32Array;
    face: Float32Array;
  },
) {
  const document = await handlers.enrolmentDocument({
    accountId: who.accountId,
    document: who.document,
  });
  if (!document.ok) return document;
  const photo = await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(who.photo) });
  if (!photo.ok) return photo;
  const faces = [sameFaceAs(who.face), sameFaceAs(who.face)].map((d) => Array.from(d));
  const livened = await handlers.enrolmentLiveFace({ modelId, descriptors: faces, liveness: live });
  if (!livened.ok) return livened;
  return handlers.enrolmentFinish({ pin: '5829', pinAgain: '5829', consent });
}

/** Whether any of the sealed templates' bytes are in the hub's SQLite files after a full checkpoint. */
async function ciphertextInFiles(
  db: Awaited<ReturnType<typeof openRawDb>>,
  sealed: { sealed: Uint8Array }[],
): Promise<boolean> {
  await db.all('PRAGMA wal_checkpoint(TRUNCATE)');
  for (const file of ['hub.sqlite', 'hub.sqlite-wal']) {
    const bytes = await readFile(path.join(fx.work, 'hub', file)).catch(() => Buffer.alloc(0));
    if (sealed.some((row) => bytes.includes(Buffer.from(row.sealed).subarray(0, 48)))) return true;
  }
  return false;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function logEntries(): Promise<{ kind: string; officer: string | null; data: never }[]> {
  const text = await readFile(station.config.enrolment?.logFile ?? '', 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as never);
}

describe('enrolment station', () => {
  it('signs an officer in only with the right PIN, and locks after inactivity', async () => {
    // The idle lock counts elapsed time (performance.now), which fake timers move on; the rest runs real.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      await signInThenIdle();
    } finally {
      vi.useRealTimers();
    }
  });

  async function signInThenIdle(): Promise<void> {
    const handlers = await stationService();
    expect(
      await handlers.enrolmentDocument({ accountId: 'hanako', document: passport }),
    ).toMatchObject({ ok: false, error: { code: 'officer_signed_out' } });
    expect(await handlers.officerSignIn({ officerId: officer.id, pin: '000000' })).toMatchObject({
      ok: false,
      error: { code: 'officer_pin_incorrect' },
    });
    expect(await handlers.officerSignIn({ officerId: 'o-nobody', pin: officer.pin })).toMatchObject(
      {
        ok: false,
        error: { code: 'officer_pin_incorrect' },
      },
    );
    expect(await handlers.officerSignIn({ officerId: officer.id, pin: officer.pin })).toMatchObject(
      {
        ok: true,
        station: { officer: officer.id, photoVsLive: { threshold: 0.8, fmr: 0.001 } },
      },
    );
    vi.advanceTimersByTime(stationIdleLockMs - 1);
    expect(await handlers.station({})).toMatchObject({
      ok: true,
      station: { officer: officer.id },
    });
    vi.advanceTimersByTime(stationIdleLockMs);
    expect(await handlers.station({})).toMatchObject({ ok: true, station: { officer: null } });
    expect(
      await handlers.enrolmentDocument({ accountId: 'hanako', document: passport }),
    ).toMatchObject({ ok: false, error: { code: 'officer_signed_out' } });
    const kinds = (await logEntries()).map((entry) => entry.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['officer.sign_in_refused', 'officer.signed_in', 'station.locked']),
    );
  }

  it('refuses an MRZ with a bad check digit and an expired document, with the reason', async () => {
    const handlers = await signedIn();
    const badMrz = passportMrz.replace('TK12345671', 'TK12345672');
    expect(
      await handlers.enrolmentDocument({
        accountId: 'hanako',
        document: { ...passport, mrz: badMrz },
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'document_refused', documentCode: 'mrz_invalid' },
    });
    expect(
      await handlers.enrolmentDocument({
        accountId: 'hanako',
        document: { ...myNumberCard('Hanako Tanaka'), expiry: '2020-01-01' },
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'document_refused', documentCode: 'document_expired' },
    });
    // A refused document ends the enrolment: its next step is not open.
    expect(
      await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(syntheticFace()) }),
    ).toMatchObject({ ok: false, error: { code: 'enrolment_not_ready' } });
  });

  it('enrols when the live face matches the ID photo, naming the officer; the PINs must agree', async () => {
    const handlers = await signedIn();
    const face = syntheticFace();
    expect(
      await handlers.enrolmentDocument({ accountId: 'hanako', document: passport }),
    ).toMatchObject({ ok: true, station: { enrolment: { step: 'id_photo' } } });
    await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(sameFaceAs(face)) });
    const livened = await handlers.enrolmentLiveFace({
      modelId,
      descriptors: [Array.from(sameFaceAs(face))],
      liveness: live,
    });
    expect(livened).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'pin', photoMatch: { matched: true, threshold: 0.8 } } },
    });
    expect(
      await handlers.enrolmentFinish({ pin: '5829', pinAgain: '5830', consent }),
    ).toMatchObject({ ok: false, error: { code: 'pins_differ' } });
    const done = await handlers.enrolmentFinish({ pin: '5829', pinAgain: '5829', consent });
    expect(done).toMatchObject({
      ok: true,
      station: {
        enrolment: { step: 'enrolled', person: { displayNameMasked: expect.any(String) } },
      },
    });
    const personId = done.ok ? (done.station.enrolment?.person?.id ?? '') : '';
    const person = await fx.admin.getPerson(personId);
    expect(person).toMatchObject({
      accountId: 'hanako',
      idDocument: { type: 'passport', verifiedBy: officer.id },
      templates: 1,
      consent: { version: enrolmentConsentVersion, language: 'ja', at: expect.any(String) },
    });
    const completed = (await logEntries()).find((entry) => entry.kind === 'enrolment.completed');
    expect(completed).toMatchObject({
      officer: officer.id,
      data: { personId, consentVersion: enrolmentConsentVersion, consentAt: expect.any(String) },
    });
    // The same document again, on another account: the hub holds its keyed hash and refuses it.
    const again = await handlers.enrolmentDocument({ accountId: 'other', document: passport });
    expect(again.ok).toBe(true);
    await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(syntheticFace()) });
    const otherFace = syntheticFace();
    await handlers.enrolmentCancel({});
    expect(
      await enrol(handlers, {
        accountId: 'other',
        document: passport,
        photo: sameFaceAs(otherFace),
        face: otherFace,
      }),
    ).toMatchObject({ ok: false, error: { code: 'already_enrolled' } });
  });

  it('stops an enrolment whose live face does not match the ID photo; nothing reaches the hub', async () => {
    const handlers = await signedIn();
    const answer = await enrol(handlers, {
      accountId: 'mismatch',
      document: myNumberCard('Mismatch Person'),
      photo: syntheticFace(),
      face: syntheticFace(),
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'face_mismatch' } });
    const view = await handlers.station({});
    expect(view).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'refused', photoMatch: { matched: false } } },
    });
    expect(
      await handlers.enrolmentFinish({ pin: '5829', pinAgain: '5829', consent }),
    ).toMatchObject({ ok: false, error: { code: 'enrolment_not_ready' } });
    const holds = await fx.admin.getAccount('mismatch');
    expect(holds.id).toBe('mismatch');
    const refused = (await logEntries()).filter((entry) => entry.kind === 'enrolment.face_refused');
    expect(refused.at(-1)).toMatchObject({ officer: officer.id, data: { code: 'face_mismatch' } });
  });

  it('refuses a face enrolled already for someone else and leaves no person on the account', async () => {
    const handlers = await signedIn();
    const face = syntheticFace();
    const first = await enrol(handlers, {
      accountId: 'twin',
      document: { ...myNumberCard('Twin One'), number: '111111111118' },
      photo: sameFaceAs(face),
      face,
    });
    expect(first).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const second = await enrol(handlers, {
      accountId: 'nocal',
      document: { ...myNumberCard('Twin Two'), number: '222222222225' },
      photo: sameFaceAs(face),
      face,
    });
    expect(second).toMatchObject({ ok: false, error: { code: 'duplicate_face' } });
    // The account is free again: another face enrols on it (fails if the refused person stayed).
    const someoneElse = syntheticFace();
    const retried = await enrol(handlers, {
      accountId: 'nocal',
      document: { ...myNumberCard('Someone Else'), number: '333333333332' },
      photo: sameFaceAs(someoneElse),
      face: someoneElse,
    });
    expect(retried).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
  });

  it('unlocks a PIN and erases a person after the ID check; no template row or ciphertext in the database file', async () => {
    const handlers = await signedIn();
    const face = syntheticFace();
    const document = { ...myNumberCard('Erase Me'), number: '444444444440' };
    const enrolled = await enrol(handlers, {
      accountId: 'erase',
      document,
      photo: sameFaceAs(face),
      face,
    });
    expect(enrolled).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const personId = enrolled.ok ? (enrolled.station.enrolment?.person?.id ?? '') : '';
    const db = await openRawDb(path.join(fx.work, 'hub'));
    try {
      const sealed = await db.all<{ sealed: Uint8Array }>(
        'SELECT sealed FROM templates WHERE person_id = ?',
        personId,
      );
      expect(sealed.length).toBe(2);
      // The search below can see them: before the erasure they are in the checkpointed file.
      expect(await ciphertextInFiles(db, sealed)).toBe(true);
      // Another document finds nobody; the right one unlocks, naming the officer in the hub's audit.
      expect(
        await handlers.personUnlockPin({
          document: { ...document, number: '555555555557' },
        }),
      ).toMatchObject({ ok: false, error: { code: 'not_enrolled_here' } });
      expect(await handlers.personUnlockPin({ document })).toMatchObject({ ok: true, personId });
      const unlocked = await db.get<{ data: string }>(
        "SELECT data FROM audit_log WHERE kind = 'person.pin_unlocked' AND subject = ?",
        personId,
      );
      expect(JSON.parse(unlocked?.data ?? '{}')).toMatchObject({ officer: officer.id });

      expect(await handlers.personErase({ document })).toMatchObject({ ok: true, personId });
      expect(
        await db.get('SELECT id FROM templates WHERE person_id = ?', personId),
      ).toBeUndefined();
      await expect(fx.admin.getPerson(personId)).rejects.toMatchObject({ status: 404 });
      const erased = await db.get<{ actor: string }>(
        "SELECT actor FROM audit_log WHERE kind = 'person.erased' AND subject = ?",
        personId,
      );
      expect(erased?.actor).toBe(station.clientId);
      // Nowhere in the database's files once checkpointed: erasure zeroes the freed pages. (Before the
      // checkpoint the write-ahead log still holds the frames that inserted them: a hub matter, reported.)
      expect(await ciphertextInFiles(db, sealed)).toBe(false);
      // Erased once: the same document finds nobody any more.
      expect(await handlers.personErase({ document })).toMatchObject({
        ok: false,
        error: { code: 'not_enrolled_here' },
      });
    } finally {
      await db.close();
    }
  });

  it('asks for another PIN when the hub refuses one as too easy, then enrols with the same faces', async () => {
    const handlers = await signedIn();
    const face = syntheticFace();
    await handlers.enrolmentDocument({
      accountId: 'weakpin',
      document: { ...myNumberCard('Weak Pin'), number: '666666666664' },
    });
    await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(sameFaceAs(face)) });
    await handlers.enrolmentLiveFace({
      modelId,
      descriptors: [Array.from(sameFaceAs(face))],
      liveness: live,
    });
    expect(
      await handlers.enrolmentFinish({ pin: '1234', pinAgain: '1234', consent }),
    ).toMatchObject({ ok: false, error: { code: 'pin_rejected' } });
    const done = await handlers.enrolmentFinish({ pin: '7391', pinAgain: '7391', consent });
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const personId = done.ok ? (done.station.enrolment?.person?.id ?? '') : '';
    expect(await fx.admin.getPerson(personId)).toMatchObject({ templates: 1 });
  });

  it('enrols after a face mismatch only when a second officer signs the override, audited', async () => {
    const handlers = await signedIn();
    const mismatch = await enrol(handlers, {
      accountId: 'override',
      document: { ...myNumberCard('Over Ride'), number: '777777777771' },
      photo: syntheticFace(),
      face: syntheticFace(),
    });
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'face_mismatch' } });
    // The signed-in officer alone cannot, nor a wrong PIN.
    expect(
      await handlers.enrolmentOverride({ officerId: officer.id, pin: officer.pin }),
    ).toMatchObject({ ok: false, error: { code: 'second_officer_required' } });
    expect(await handlers.enrolmentOverride({ officerId: 'o-kato', pin: '000000' })).toMatchObject({
      ok: false,
      error: { code: 'officer_pin_incorrect' },
    });
    expect(await handlers.enrolmentOverride({ officerId: 'o-kato', pin: '902468' })).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'pin', override: 'o-kato', photoMatch: { matched: false } } },
    });
    const done = await handlers.enrolmentFinish({ pin: '5829', pinAgain: '5829', consent });
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const entries = await logEntries();
    expect(entries.filter((entry) => entry.kind === 'enrolment.override').at(-1)).toMatchObject({
      officer: officer.id,
      data: { secondOfficer: 'o-kato' },
    });
    expect(entries.filter((entry) => entry.kind === 'enrolment.completed').at(-1)).toMatchObject({
      data: { accountId: 'override', override: 'o-kato' },
    });
    // Nothing left to override afterwards.
    expect(await handlers.enrolmentOverride({ officerId: 'o-kato', pin: '902468' })).toMatchObject({
      ok: false,
      error: { code: 'enrolment_not_ready' },
    });
  });

  it("enrols a child only after an enrolled adult guardian's face and PIN, with the guardian's limits", async () => {
    const handlers = await signedIn();
    const mother = syntheticFace();
    const enrolledMother = await enrol(handlers, {
      accountId: 'mother',
      document: { ...myNumberCard('Yoko Mori'), number: '2222 3333 4440' },
      photo: sameFaceAs(mother),
      face: mother,
    });
    expect(enrolledMother).toMatchObject({ ok: true });
    const child = syntheticFace();
    const kenta = {
      ...myNumberCard('Kenta Mori'),
      number: '3333 4444 5558',
      dateOfBirth: '2016-05-05',
    };
    expect(await handlers.enrolmentDocument({ accountId: 'kenta', document: kenta })).toMatchObject(
      { ok: true, station: { enrolment: { step: 'guardian', child: true, guardian: null } } },
    );
    // No way around the guardian: the child's photo step is not open yet.
    expect(
      await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(sameFaceAs(child)) }),
    ).toMatchObject({ ok: false, error: { code: 'enrolment_not_ready' } });
    const guardianTerms = {
      limits: { perPaymentMax: 800, dailyMax: 2_000 },
      blockedCategories: ['gambling', 'alcohol'],
    };
    const guardian = (face: Float32Array, pin: string) =>
      handlers.enrolmentGuardian({
        modelId,
        descriptor: Array.from(sameFaceAs(face)),
        liveness: live,
        pin,
        ...guardianTerms,
      });
    // A stranger's face is nobody's guardian; a wrong PIN may be tried again.
    expect(await guardian(syntheticFace(), '5829')).toMatchObject({
      ok: false,
      error: { code: 'guardian_not_identified' },
    });
    expect(await guardian(mother, '1111')).toMatchObject({
      ok: false,
      error: { code: 'pin_incorrect', attemptsLeft: 2 },
    });
    const consented = await guardian(mother, '5829');
    expect(consented).toMatchObject({
      ok: true,
      station: {
        enrolment: {
          step: 'id_photo',
          guardian: {
            displayNameMasked: 'Y*** M***',
            limits: guardianTerms.limits,
            blockedCategories: ['alcohol', 'gambling'],
          },
        },
      },
    });
    await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(sameFaceAs(child)) });
    await handlers.enrolmentLiveFace({
      modelId,
      descriptors: [Array.from(sameFaceAs(child))],
      liveness: live,
    });
    // A child's PIN is exactly 4 digits (the hub's policy): a 6-digit one is asked again.
    expect(
      await handlers.enrolmentFinish({ pin: '582914', pinAgain: '582914', consent }),
    ).toMatchObject({ ok: false, error: { code: 'pin_rejected' } });
    const done = await handlers.enrolmentFinish({ pin: '7391', pinAgain: '7391', consent });
    expect(done).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled', person: { child: true } } },
    });
    const personId = done.ok ? (done.station.enrolment?.person?.id ?? '') : '';
    const motherId = consented.ok ? (consented.station.enrolment?.guardian?.personId ?? '') : '';
    expect(await fx.admin.getPerson(personId)).toMatchObject({ guardianPersonId: motherId });
    expect(await fx.admin.getAccount('kenta')).toMatchObject({
      limits: guardianTerms.limits,
      blockedCategories: ['alcohol', 'gambling'],
    });
    const kinds = (await logEntries()).map((entry) => entry.kind);
    expect(kinds).toContain('enrolment.guardian_consented');
  });

  it("links each line of the station's log to the one before it", async () => {
    const lines = (await readFile(station.config.enrolment?.logFile ?? '', 'utf8'))
      .split('\n')
      .filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(5);
    const previous = lines.map((line) => (JSON.parse(line) as { previous: string }).previous);
    const expected = ['start', ...lines.slice(0, -1).map((line) => sha256(line))];
    expect(previous).toEqual(expected);
    // Never a PIN, a document number or a name in it.
    const text = lines.join('\n');
    for (const secret of [officer.pin, 'TK1234567', '123456789018', 'Hanako']) {
      expect(text).not.toContain(secret);
    }
    // The persons' 4-digit PIN may occur inside an id or a hash by chance: no field holds it.
    for (const line of lines) {
      const { data } = JSON.parse(line) as { data: Record<string, unknown> };
      expect(Object.keys(data).filter((key) => /pin/i.test(key))).toEqual([]);
      expect(Object.values(data)).not.toContain('5829');
    }
  });

  it('takes one call at a time: no cancel, new document or second finish while the hub enrols the person', async () => {
    const { network, arrived, release } = networkHoldingBack('/v1/persons');
    const handlers = await signedIn({ fetch: network });
    const face = syntheticFace();
    const document = myNumberCard('Withdrawn Person');
    await handlers.enrolmentDocument({ accountId: 'withdrawn', document });
    await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(sameFaceAs(face)) });
    await handlers.enrolmentLiveFace({
      modelId,
      descriptors: [Array.from(sameFaceAs(face))],
      liveness: live,
    });
    const finishing = handlers.enrolmentFinish({ pin: '5829', pinAgain: '5829', consent });
    await arrived;
    const busy = { ok: false, error: { code: 'enrolment_not_ready' } };
    expect(await handlers.enrolmentCancel({})).toMatchObject(busy);
    expect(await handlers.enrolmentDocument({ accountId: 'other', document })).toMatchObject(busy);
    expect(
      await handlers.enrolmentFinish({ pin: '5829', pinAgain: '5829', consent }),
    ).toMatchObject(busy);
    release();
    const done = await finishing;
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    // What the station shows is what the hub did: the person it shows enrolled is enrolled.
    expect(await handlers.station({})).toMatchObject({
      ok: true,
      station: { officer: officer.id, enrolment: { step: 'enrolled' } },
    });
    const personId = done.ok ? (done.station.enrolment?.person?.id ?? '') : '';
    expect(await fx.admin.getPerson(personId)).toMatchObject({ accountId: 'withdrawn' });
  });

  it('refuses to enrol without a calibrated photo-vs-live threshold', async () => {
    const handlers = await signedIn({ calibration: path.join(fx.work, 'absent.json') });
    expect(await handlers.station({})).toMatchObject({ ok: true, station: { photoVsLive: null } });
    expect(
      await handlers.enrolmentDocument({ accountId: 'other', document: passport }),
    ).toMatchObject({
      ok: false,
      error: { code: 'no_photo_calibration', message: 'no calibrated photo-vs-live threshold' },
    });
  });
});
