// The faults the enrolment station's lost-answer tests put between a station and a real hub, and what they
// read back: one network whose faults a test switches on and off, and an enrolment whose answer is lost.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { isPersonLookup, isPostTo } from './kiosk-test-hub.ts';
import type { StationHub } from './station-fixture.ts';
import type { licence } from './station-fixture.ts';
import {
  atHub,
  finish,
  personsEnrolledOn,
  sameClientStation,
  signedInStationOnHubClock,
  upToPin,
} from './station-fixture.ts';

/**
 * The network between a station and the hub: while `losing`, each POST /v1/persons is carried out and its
 * answer lost; while `down`, nothing reaches the hub; while `lookupDown`, the lookup by document (GET
 * /v1/persons) does not; while `noLookup`, that lookup answers 404 as a hub older than it does. `creates`
 * counts the POST /v1/persons that reached the hub.
 */
export function faultyNetwork() {
  const state = { losing: false, down: false, lookupDown: false, noLookup: false, creates: 0 };
  const network: typeof fetch = async (input, init) => {
    if (state.down) throw new TypeError('fetch failed: connect ECONNREFUSED');
    if (isPersonLookup(input, init)) {
      if (state.lookupDown) throw new TypeError('fetch failed');
      if (state.noLookup) return noLookupAnswer();
    }
    const create = isPostTo('/v1/persons', input, init);
    if (create) state.creates += 1;
    const response = await fetch(input, init);
    if (create && state.losing) throw new TypeError('socket hang up');
    return response;
  };
  return { state, network };
}

/**
 * A second station of `first`'s client enrolling `document` on `accountId` with its answer lost: between its
 * POST /v1/persons and its faces, the hub holds a faceless person of the organisation (returned) on that
 * account. The station (service and hub link) reads `now`, the hub's clock.
 */
export async function secondStationMidEnrolment(
  fixture: StationHub,
  enrolment: {
    first: EnrolmentStationDeployment;
    accountId: string;
    document: ReturnType<typeof licence>;
    now: () => number;
  },
) {
  const { accountId, document } = enrolment;
  const second = await sameClientStation(fixture, enrolment.first, `${accountId}-second`);
  const { state, network } = faultyNetwork();
  const service = await signedInStationOnHubClock(fixture, second, network, enrolment.now);
  await upToPin(service.handlers, accountId, document);
  await lostTry(service, state);
  const found = await fixture.admin.findPersons({ accountId });
  const person = found.items[0];
  expect(person?.templates).toBe(0);
  return { service, person: person?.id ?? '' };
}

/**
 * The hub's pruning of every stored answer so far, as when its clock is past the answer retention of every
 * request sent (or its stored answers were lost): a request the station sent moments ago is run again when
 * asked again.
 */
export const hubPrunesStoredAnswers = (fixture: StationHub) =>
  fixture.hub.store.deleteStoredResponsesBefore(Date.now() + 1_000);

/**
 * `refused` (the officer's finish) is the refusal of an enrolment whose earlier request may have left a
 * faceless person on `accountId`, its lookup unanswered: already enrolled, the officer told the hub's admin
 * must erase, and the station's screen shows that refusal and lists the account for the admin.
 */
export async function expectRefusedAsEarlierTryUnresolved(
  service: KioskService,
  refused: Awaited<ReturnType<typeof finish>>,
  accountId: string,
): Promise<void> {
  expect(refused).toMatchObject({
    ok: false,
    error: { code: 'already_enrolled', enrolmentReason: 'earlier_try_unresolved' },
  });
  const message = refused.ok ? '' : refused.error.message;
  expect(message).toContain('an earlier try of this enrolment whose answer was lost');
  expect(message).toContain("the hub's admin must erase");
  const shown = await service.handlers.station({});
  expect(shown).toMatchObject({
    ok: true,
    station: {
      enrolment: { step: 'refused', refusal: { code: 'earlier_try_unresolved', message } },
      personsToErase: [{ accountId }],
    },
  });
}

/** What a hub older than the lookup by document (GET /v1/persons) answers it. */
export function noLookupAnswer(): Response {
  const notFound = { error: { code: 'not_found', message: 'Route GET:/v1/persons not found' } };
  return new Response(JSON.stringify(notFound), {
    status: 404,
    headers: { 'content-type': 'application/json' },
  });
}

/** The enrolment is tried with its answer lost: the officer is told hub_unreachable. */
export async function lostTry(service: KioskService, state: { losing: boolean }): Promise<void> {
  state.losing = true;
  expect(await finish(service.handlers)).toMatchObject({
    ok: false,
    error: { code: 'hub_unreachable' },
  });
  state.losing = false;
}

/** `lostTry` of a fresh enrolment: the hub has a person on `accountId`, without a face (returned). */
export async function lostEnrolment(
  fixture: StationHub,
  service: KioskService,
  state: { losing: boolean },
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
): Promise<string> {
  await upToPin(service.handlers, enrolment.accountId, enrolment.document);
  await lostTry(service, state);
  const enrolled = await personsEnrolledOn(fixture, enrolment.accountId);
  expect(enrolled).toHaveLength(1);
  const person = enrolled[0] ?? '';
  expect(await atHub(fixture, person)).toBe(0);
  return person;
}

export const pendingPath = (deployment: EnrolmentStationDeployment) =>
  path.join(deployment.config.keysDir, 'pending-persons.json');

/** pending-persons.json as the station wrote it. */
export async function pending(
  deployment: EnrolmentStationDeployment,
): Promise<Record<string, unknown>[]> {
  return JSON.parse(await readFile(pendingPath(deployment), 'utf8')) as Record<string, unknown>[];
}
