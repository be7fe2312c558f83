// The enrolment station zeroes every face descriptor it was handed or made as soon as it is no longer
// needed: the renderer's arrays when the call ends, the ID photo once compared, the live faces when the
// enrolment is enrolled, refused, cancelled, locked or signed out of, the guardian's face once consented, and
// on a throw. Live faces waiting for the PIN step (or a second officer's override) are kept until it ends.
//
// Found in review: the station never zeroed the request's number[] arrays (ID photo, live faces, guardian),
// kept the ID photo until the enrolment ended, and a throw in the comparison or in the mismatch refusal's log
// write left its live copies unzeroed. The real service, hub link and photo-vs-live gate run on a real hub;
// the link and the gate are watched (Proxy / a wrapper that calls the real compare), not replaced, so the
// arrays the station hands them are kept here and looked at afterwards.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import type { PhotoVsLiveGate } from '../../src/main/enrolment-station.ts';
import { loadPhotoVsLiveGate } from '../../src/main/photo-vs-live-gate.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { stationIdleLockMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { networkHoldingBack, sameFaceAs } from './kiosk-test-hub.ts';
import type { Handlers } from './station-fixture.ts';
import { stationHubForFile } from './station-rig.ts';
import { finish, licence, liveness, modelId, officer } from './station-fixture.ts';

const secondOfficer = { id: 'o-kato', pin: '902468' };
const accounts = [
  'enrolled',
  'twin',
  'mismatch',
  'mismatch-new',
  'cancelled',
  'signed-out',
  'idle',
  'compare-throws',
  'log-throws',
  'guardian',
  'child',
  'busy',
] as const;

let logs = 0;

const fx = stationHubForFile('facepay-station-wiped-', {
  station: {
    name: 'Ward office station wiped',
    officers: [officer, secondOfficer],
    accounts: [...accounts],
  },
});

const allZero = (values: ArrayLike<number>) => Array.from(values).every((value) => value === 0);
const noneZero = (arrays: ArrayLike<number>[]) => arrays.every((values) => !allZero(values));

/**
 * The real station service (signed in) on its real hub link and photo-vs-live gate, both watched: every
 * Float32Array the station hands to the gate's compare (its ID photo and live faces) and to the link's
 * guardianConsent and addFaces is kept here, and the call goes on to the real one.
 */
async function watchedStation(network: typeof fetch = fetch) {
  const opened = await openHubLink(fx.station.config, { hubUrl: fx.hub.url, fetch: network });
  fx.links.push(opened);
  const handed = {
    photos: [] as Float32Array[],
    lives: [] as Float32Array[],
    guardianFaces: [] as Float32Array[],
    faces: [] as Float32Array[],
  };
  const link = new Proxy(opened.link, {
    get(target, property) {
      if (property === 'guardianConsent') {
        return (request: Parameters<HubLink['guardianConsent']>[0]) => {
          handed.guardianFaces.push(request.descriptor);
          return target.guardianConsent(request);
        };
      }
      if (property === 'addFaces') {
        return (request: Parameters<HubLink['addFaces']>[0]) => {
          handed.faces.push(...request.descriptors);
          return target.addFaces(request);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const real = await loadPhotoVsLiveGate();
  if (real === null) throw new Error('no photo-vs-live calibration');
  const gate: PhotoVsLiveGate = {
    point: real.point,
    compare(photo, live) {
      handed.photos.push(photo);
      handed.lives.push(...live);
      return real.compare(photo, live);
    },
  };
  logs += 1;
  const logFile = path.join(fx.work, `station-log-${logs}.jsonl`);
  const service = new KioskService({
    config: fx.station.config,
    hub: link,
    modelId,
    station: { log: new StationLog(logFile), photoVsLive: gate },
  });
  expect(
    await service.handlers.officerSignIn({ officerId: officer.id, pin: officer.pin }),
  ).toMatchObject({ ok: true });
  return { service, handlers: service.handlers, handed, logFile };
}

/** What the renderer hands the station for one face: fresh arrays, kept here to look at afterwards. */
const renderer = {
  photo: (face: Float32Array) => Array.from(face),
  live: (face: Float32Array) => [sameFaceAs(face), sameFaceAs(face)].map((d) => Array.from(d)),
};

/** The document (a fresh adult's licence on `accountId`), its ID photo and live face: waiting for the PIN. */
async function toPin(handlers: Handlers, accountId: string, face = syntheticFace()) {
  const document = licence(`Person ${accountId}`);
  expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
  const photo = renderer.photo(face);
  expect(await handlers.enrolmentIdPhoto({ modelId, descriptor: photo })).toMatchObject({
    ok: true,
  });
  expect(allZero(photo)).toBe(true);
  const live = renderer.live(face);
  expect(await handlers.enrolmentLiveFace({ modelId, descriptors: live, liveness })).toMatchObject({
    ok: true,
    station: { enrolment: { step: 'pin' } },
  });
  expect(live.every(allZero)).toBe(true);
  return face;
}

/** The station's live faces, compared and kept for the PIN step: not zeroed yet (still needed). */
function expectKeptForPin(handed: { photos: Float32Array[]; lives: Float32Array[] }) {
  expect(handed.photos).toHaveLength(1);
  expect(handed.photos.every(allZero)).toBe(true);
  expect(handed.lives).toHaveLength(2);
  expect(noneZero(handed.lives)).toBe(true);
}

describe('the enrolment station zeroes the descriptors it holds', () => {
  it('enrolled, then refused (the same face for another person): photo once compared, live faces at the end', async () => {
    const { handlers, handed } = await watchedStation();
    const face = await toPin(handlers, 'enrolled');
    expectKeptForPin(handed);
    expect(await finish(handlers)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled' } },
    });
    expect(handed.lives.every(allZero)).toBe(true);
    expect(handed.faces).toHaveLength(2);
    expect(handed.faces.every(allZero)).toBe(true);

    await toPin(handlers, 'twin', face);
    expect(noneZero(handed.lives.slice(2))).toBe(true);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'duplicate_face' } });
    expect(handed.photos.every(allZero)).toBe(true);
    expect(handed.lives.every(allZero)).toBe(true);
    expect(handed.faces).toHaveLength(4);
    expect(handed.faces.every(allZero)).toBe(true);
  });

  /**
   * A station whose ID photo and live face are of two people: refused face_mismatch, the renderer's arrays
   * zeroed, the live faces kept for a second officer's override.
   */
  async function atFaceMismatch(accountId: string) {
    const { handlers, handed } = await watchedStation();
    const document = licence(`Person ${accountId}`);
    expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
    const photo = renderer.photo(syntheticFace());
    await handlers.enrolmentIdPhoto({ modelId, descriptor: photo });
    const live = renderer.live(syntheticFace());
    expect(
      await handlers.enrolmentLiveFace({ modelId, descriptors: live, liveness }),
    ).toMatchObject({ ok: false, error: { code: 'face_mismatch' } });
    expect([photo, ...live].every(allZero)).toBe(true);
    expectKeptForPin(handed);
    return { handlers, handed, accountId };
  }

  it("a face mismatch keeps the live faces for a second officer's override until it is enrolled", async () => {
    const { handlers, handed } = await atFaceMismatch('mismatch');
    expect(
      await handlers.enrolmentOverride({ officerId: secondOfficer.id, pin: secondOfficer.pin }),
    ).toMatchObject({ ok: true, station: { enrolment: { step: 'pin' } } });
    expect(noneZero(handed.lives)).toBe(true);
    expect(await finish(handlers)).toMatchObject({ ok: true });
    expect([...handed.lives, ...handed.faces].every(allZero)).toBe(true);
  });

  it('a face mismatch nobody overrides: the live faces zeroed when the next enrolment starts', async () => {
    const { handlers, handed, accountId } = await atFaceMismatch('mismatch-new');
    expect(
      await handlers.enrolmentDocument({ accountId, document: licence('Someone else') }),
    ).toMatchObject({ ok: true });
    expect(handed.lives.every(allZero)).toBe(true);
  });

  it('cancelled at the PIN step', async () => {
    const { handlers, handed } = await watchedStation();
    await toPin(handlers, 'cancelled');
    expectKeptForPin(handed);
    expect(await handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    expect(handed.lives.every(allZero)).toBe(true);
  });

  it('the officer signs out at the PIN step', async () => {
    const { handlers, handed } = await watchedStation();
    await toPin(handlers, 'signed-out');
    expectKeptForPin(handed);
    expect(await handlers.officerSignOut({})).toMatchObject({ ok: true });
    expect(handed.lives.every(allZero)).toBe(true);
  });

  it('the station locks after inactivity at the PIN step', async () => {
    // The idle lock counts elapsed time (performance.now), which fake timers move on; the rest runs real.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const { service, handed } = await watchedStation();
      await toPin(service.handlers, 'idle');
      expectKeptForPin(handed);
      vi.advanceTimersByTime(stationIdleLockMs);
      await service.lockIdleStation();
      expect(service.status().station).toMatchObject({ officer: null, enrolment: null });
      expect(handed.lives.every(allZero)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the comparison throws (512-value live faces past the door): the live faces zeroed, the photo kept for the next', async () => {
    const { handlers, handed } = await watchedStation();
    const document = licence('Person compare-throws');
    const accountId = 'compare-throws';
    expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
    const face = syntheticFace();
    await handlers.enrolmentIdPhoto({ modelId, descriptor: renderer.photo(face) });
    const long = [0, 1].map(() => Array.from({ length: 512 }, (_, index) => Math.sin(index + 1)));
    await expect(
      handlers.enrolmentLiveFace({ modelId, descriptors: long, liveness }),
    ).rejects.toThrow(/length/);
    expect(long.every(allZero)).toBe(true);
    expect(handed.lives).toHaveLength(2);
    expect(handed.lives.every(allZero)).toBe(true);
    expect(noneZero(handed.photos)).toBe(true);
    const live = renderer.live(face);
    expect(
      await handlers.enrolmentLiveFace({ modelId, descriptors: live, liveness }),
    ).toMatchObject({ ok: true, station: { enrolment: { step: 'pin' } } });
    expect([...live, ...handed.photos].every(allZero)).toBe(true);
    expect(await handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    expect(handed.lives.every(allZero)).toBe(true);
  });

  it("the mismatch refusal's log write throws: the live faces zeroed, not left behind", async () => {
    const { handlers, handed, logFile } = await watchedStation();
    const document = licence('Person log-throws');
    const accountId = 'log-throws';
    expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
    const photo = renderer.photo(syntheticFace());
    await handlers.enrolmentIdPhoto({ modelId, descriptor: photo });
    // The log cannot be appended to (a folder where its file was): a real write failure, thrown.
    await rm(logFile, { force: true });
    await mkdir(logFile);
    const live = renderer.live(syntheticFace());
    await expect(
      handlers.enrolmentLiveFace({ modelId, descriptors: live, liveness }),
    ).rejects.toThrow(/EISDIR/);
    expect([photo, ...live].every(allZero)).toBe(true);
    expect(handed.lives).toHaveLength(2);
    expect([...handed.photos, ...handed.lives].every(allZero)).toBe(true);
    await rm(logFile, { recursive: true });
  });

  it("a child's guardian: their face zeroed when the link throws, when consented, and the child's at the end", async () => {
    const { handlers, handed } = await watchedStation();
    const guardianFace = await toPin(handlers, 'guardian');
    expect(await finish(handlers)).toMatchObject({ ok: true });
    const document = licence('Child of guardian', '2016-05-05');
    expect(await handlers.enrolmentDocument({ accountId: 'child', document })).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'guardian' } },
    });
    const terms = { liveness, pin: '5829', limits: { perPaymentMax: 800 }, blockedCategories: [] };
    // 512 values past the door: the link's protection asserts, inside the station's call.
    const long = Array.from({ length: 512 }, (_, index) => Math.sin(index + 1));
    await expect(
      handlers.enrolmentGuardian({ modelId, descriptor: long, ...terms }),
    ).rejects.toThrow(/descriptor|dimension|length/);
    expect(allZero(long)).toBe(true);
    expect(handed.guardianFaces).toHaveLength(1);
    const wrongPin = Array.from(sameFaceAs(guardianFace));
    expect(
      await handlers.enrolmentGuardian({ modelId, descriptor: wrongPin, ...terms, pin: '0000' }),
    ).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
    const right = Array.from(sameFaceAs(guardianFace));
    expect(
      await handlers.enrolmentGuardian({ modelId, descriptor: right, ...terms }),
    ).toMatchObject({ ok: true, station: { enrolment: { step: 'id_photo' } } });
    expect([wrongPin, right, ...handed.guardianFaces].every(allZero)).toBe(true);
    expect(handed.guardianFaces).toHaveLength(3);
    const child = syntheticFace();
    const photo = renderer.photo(child);
    await handlers.enrolmentIdPhoto({ modelId, descriptor: photo });
    const live = renderer.live(child);
    expect(
      await handlers.enrolmentLiveFace({ modelId, descriptors: live, liveness }),
    ).toMatchObject({ ok: true, station: { enrolment: { step: 'pin' } } });
    expect([photo, ...live, ...handed.photos].every(allZero)).toBe(true);
    expect(noneZero(handed.lives.slice(2))).toBe(true);
    expect(await finish(handlers)).toMatchObject({ ok: true });
    expect([...handed.lives, ...handed.faces].every(allZero)).toBe(true);
  });

  it('a call refused while the hub enrols, and a sign-out meanwhile: zeroed, and the enrolment completes', async () => {
    const held = networkHoldingBack('/v1/persons');
    const { handlers, handed } = await watchedStation(held.network);
    await toPin(handlers, 'busy');
    const finishing = finish(handlers);
    await held.arrived;
    const photo = renderer.photo(syntheticFace());
    expect(await handlers.enrolmentIdPhoto({ modelId, descriptor: photo })).toMatchObject({
      ok: false,
      error: { code: 'enrolment_not_ready' },
    });
    expect(allZero(photo)).toBe(true);
    expect(await handlers.officerSignOut({})).toMatchObject({ ok: true });
    expect(handed.lives.every(allZero)).toBe(true);
    held.release();
    expect(await finishing).toMatchObject({ ok: true });
    // What the officer approved still went to the hub (copied before the wait): the two faces, sealed.
    expect(handed.faces).toHaveLength(2);
    expect(handed.faces.every(allZero)).toBe(true);
    const found = await fx.admin.findPersons({ accountId: 'busy' });
    expect(found.items[0]?.templates).toBe(2);
  });
});
