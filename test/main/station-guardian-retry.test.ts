// A child's enrolment at the station against a real hub when the guardian's consent meets a failure that
// another try can mend: a 5xx on the consent (the hub may have granted it: unused, it lapses), and a consent
// spent by the person an earlier try created and then erased. Neither may end the enrolment.
import { describe, expect, it } from 'vitest';
import { syntheticFace } from '../hub/helpers.ts';
import { isPostTo, sameFaceAs } from './kiosk-test-hub.ts';
import type { Handlers, RequestPicker } from './station-fixture.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  faces,
  finish,
  licence,
  liveness,
  modelId,
  networkDroppingAfterFaces,
  signedInStation,
} from './station-fixture.ts';

const guardianTerms = { limits: { perPaymentMax: 800, dailyMax: 2_000 }, blockedCategories: [] };

const fx = stationHubForFile('facepay-station-guardian-', {
  station: {
    name: 'Ward office station 4',
    accounts: ['mother', 'aki', 'father', 'ken'],
  },
});

const stationOn = async (network: typeof fetch) =>
  (await signedInStation(fx, fx.station, network)).handlers;

/** An adult enrolled at the station with `face` and PIN 5829: a guardian. */
async function guardianEnrolled(accountId: string, face: Float32Array): Promise<void> {
  const handlers = await stationOn(fetch);
  const document = licence(`Guardian ${accountId}`, '1980-02-03');
  expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
  await faces(handlers, face);
  expect(await finish(handlers)).toMatchObject({ ok: true });
}

const consent = (handlers: Handlers, guardian: Float32Array) =>
  handlers.enrolmentGuardian({
    modelId,
    descriptor: Array.from(sameFaceAs(guardian)),
    liveness,
    pin: '5829',
    ...guardianTerms,
  });

describe("a guardian's consent answered by a gateway 502 after the hub granted it", () => {
  it('is an unknown outcome the guardian tries again, not a refusal that ends the enrolment', async () => {
    const mother = syntheticFace();
    await guardianEnrolled('mother', mother);
    let answered = false;
    const network: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (answered || !isPostTo('/v1/guardian-consents', input, init)) return response;
      answered = true;
      return Response.json(
        { error: { code: 'bad_gateway', message: 'upstream' } },
        { status: 502 },
      );
    };
    const handlers = await stationOn(network);
    const document = licence('Aki Mori', '2016-05-05');
    expect(await handlers.enrolmentDocument({ accountId: 'aki', document })).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'guardian' } },
    });
    expect(await consent(handlers, mother)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    expect(await handlers.station({})).toMatchObject({
      station: { enrolment: { step: 'guardian', refusal: null } },
    });
    expect(await consent(handlers, mother)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'id_photo' } },
    });
    await faces(handlers, syntheticFace());
    const done = await finish(handlers);
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    expect(await atHub(fx, done.ok ? (done.station.enrolment?.person?.id ?? '') : '')).toBe(2);
  });
});

/**
 * Any DELETE under /v1/persons/: with the network down for it after the child's faces are stored and their
 * answer lost, the person stays behind, and the consent they spent with them.
 */
const isDeleteUnderPersons: RequestPicker = (input, init) =>
  init?.method === 'DELETE' && new URL(String(input)).pathname.startsWith('/v1/persons/');

describe("a child's retry after the person an earlier try created was erased, their consent spent", () => {
  it('asks the guardian to consent again and then enrols the child once, not refused guardian_consent_invalid', async () => {
    const father = syntheticFace();
    await guardianEnrolled('father', father);
    const { network, created } = networkDroppingAfterFaces(isDeleteUnderPersons);
    const handlers = await stationOn(network);
    const document = licence('Ken Abe', '2015-09-09');
    expect(await handlers.enrolmentDocument({ accountId: 'ken', document })).toMatchObject({
      ok: true,
    });
    expect(await consent(handlers, father)).toMatchObject({ ok: true });
    const child = syntheticFace();
    await faces(handlers, child);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [leftBehind] = created;
    expect(await atHub(fx, leftBehind ?? '')).toBe(2);
    // The retry erases the person left behind; the consent they spent is asked for again.
    const retried = await finish(handlers);
    expect(retried).toMatchObject({ ok: false, error: { code: 'guardian_consent_invalid' } });
    expect(await atHub(fx, leftBehind ?? '')).toBe(404);
    expect(await handlers.station({})).toMatchObject({
      station: { enrolment: { step: 'guardian', guardian: null, refusal: null, templates: 0 } },
    });
    expect(await consent(handlers, father)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'id_photo' } },
    });
    await faces(handlers, child);
    const done = await finish(handlers);
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const personId = done.ok ? (done.station.enrolment?.person?.id ?? '') : '';
    expect(await atHub(fx, personId)).toBe(2);
    expect(created).toEqual([leftBehind, personId]);
  });
});
