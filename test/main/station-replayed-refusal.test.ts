// The enrolment station against a real hub: a lost POST /v1/persons answer that was a refusal ("account
// already enrolled"), asked again under its key, comes back as the hub's stored refusal replayed. That is
// the request's own fate (it enrolled nobody), so the officer must not be told an earlier try may have
// left a person for the hub's admin to erase: the person on the account is a real, complete enrolment.
import { describe, expect, it } from 'vitest';
import { isPostTo } from './kiosk-test-hub.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  personsEnrolledOn,
  signedInStation,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-replayed-');

describe('a lost refusal of POST /v1/persons, asked again', () => {
  it('is the stored refusal replayed: the officer is told the account is enrolled, not to have a person erased', async () => {
    const deployment = await fx.ownStation('replayed', ['a-taken']);
    const state = { losing: false };
    const network: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (state.losing && isPostTo('/v1/persons', input, init))
        throw new TypeError('socket hang up');
      return response;
    };
    const service = await signedInStation(fx, deployment, network, () => Date.now());

    // The account's person, enrolled completely (faces and all).
    await upToPin(service.handlers, 'a-taken', licence('Emi Hara'));
    const first = await finish(service.handlers);
    expect(first).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const [enrolled] = await personsEnrolledOn(fx, 'a-taken');
    const faces = await atHub(fx, enrolled ?? '');
    expect(faces).toBeGreaterThan(0);

    // Another document on the same account: the hub refuses it, and that answer is lost.
    await upToPin(service.handlers, 'a-taken', licence('Goro Ito'));
    state.losing = true;
    expect(await finish(service.handlers)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    state.losing = false;

    // The officer tries again: the lost request asked again gets its stored refusal, replayed.
    const retried = await finish(service.handlers);
    expect(retried).toMatchObject({ ok: false, error: { code: 'already_enrolled' } });
    const message = retried.ok ? '' : retried.error.message;
    expect(message).not.toContain('an earlier try of this enrolment whose answer was lost');
    expect(message).not.toContain("the hub's admin must erase");

    // Nothing to erase, nothing listed: the enrolled person keeps their faces.
    expect(await personsEnrolledOn(fx, 'a-taken')).toEqual([enrolled]);
    expect(await atHub(fx, enrolled ?? '')).toBe(faces);
    const shown = await service.handlers.station({});
    expect(shown).toMatchObject({ ok: true, station: { personsToErase: [] } });
    const kinds = (await stationLog(deployment)).map((entry) => entry.kind);
    expect(kinds).not.toContain('enrolment.admin_erase_needed');
  });
});
