// The enrolment station against a real hub: the officer's retry asks a lost POST /v1/persons again and is
// refused without the hub's stored answer replayed. That refusal says nothing of what the first request did,
// so the request is listed for the hub's admin and its person looked up by the document, never dropped.
import { describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { stationAbandonedResolveEveryMs } from '../../src/shared/limits.ts';
import { isPostTo } from './kiosk-test-hub.ts';
import {
  expectRefusedAsEarlierTryUnresolved,
  faultyNetwork,
  hubPrunesStoredAnswers,
  lostEnrolment,
  lostTry,
  pending,
} from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import { atHub, finish, licence, signedInStation, stationLog, upToPin } from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-askagain-');

/**
 * faultyNetwork, and while `refusing` is above zero, that many POST /v1/persons are refused before the hub
 * looks their key up: a hub upgraded meanwhile whose stricter schema refuses the body the station kept
 * (400 invalid_request, never stored under the key, so never replayed). Each one refused counts down.
 */
function refusingNetwork() {
  const { state, network: faulty } = faultyNetwork();
  const refusal = { refusing: 0 };
  const network: typeof fetch = async (input, init) => {
    if (refusal.refusing === 0 || !isPostTo('/v1/persons', input, init)) {
      return faulty(input, init);
    }
    refusal.refusing -= 1;
    const body = { error: { code: 'invalid_request', message: 'idDocument: unrecognised key' } };
    return new Response(JSON.stringify(body), {
      status: 400,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { state, refusal, network };
}

/** A station of its own (its own pending-persons.json and log) enrolling on `accounts`, signed in. */
async function station(name: string, accounts: string[]) {
  const deployment = await fx.ownStation(name, accounts);
  const { state, refusal, network } = refusingNetwork();
  const clock = { ms: Date.now() };
  const service = await signedInStation(fx, deployment, network, () => clock.ms);
  return { deployment, state, refusal, clock, service };
}

const logKinds = async (deployment: EnrolmentStationDeployment) =>
  (await stationLog(deployment)).map((entry) => entry.kind);

describe("the officer's retry, the lost request refused again without a replay (#askAgain)", () => {
  it('refused before the hub looked its key up: listed, its faceless person found by the document and erased, and this try enrols', async () => {
    const { deployment, state, refusal, service } = await station('front-refused', ['a-front']);
    const lost = await lostEnrolment(fx, service, state, {
      accountId: 'a-front',
      document: licence('Mao Ueda'),
    });

    refusal.refusing = 1; // the lost request, asked again; this try's own reaches the hub
    const enrolled = await finish(service.handlers);
    expect(enrolled).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled' }, personsToErase: [] },
    });
    expect(refusal.refusing).toBe(0);
    expect(await atHub(fx, lost)).toBe(404);
    const log = await stationLog(deployment);
    expect(log.filter((entry) => entry.kind === 'enrolment.admin_erase_needed')).toMatchObject([
      { officer: null, data: { accountId: 'a-front' } },
    ]);
    const erased = log.filter((e) => e.kind === 'person.erased' && e.data.personId === lost);
    expect(erased).toMatchObject([{ data: { reason: 'abandoned' } }]);
    expect(await pending(deployment)).toEqual([]);
  });

  it('the lookup by document unanswered too: listed for the admin without its personal data, the officer told why, and once the enrolment is cancelled a tick erases the person', async () => {
    const { deployment, state, refusal, clock, service } = await station('front-listed', [
      'a-front-listed',
    ]);
    const lost = await lostEnrolment(fx, service, state, {
      accountId: 'a-front-listed',
      document: licence('Nao Wada'),
    });

    refusal.refusing = 1;
    state.lookupDown = true;
    const refused = await finish(service.handlers);
    // This try's own request reached the hub, whose faceless person holds the account.
    await expectRefusedAsEarlierTryUnresolved(service, refused, 'a-front-listed');
    const file = JSON.stringify(await pending(deployment));
    expect(file).not.toContain('Nao Wada');
    expect(file).not.toContain('sealedPin');
    expect(await atHub(fx, lost)).toBe(0);

    // The officer's way out: the refused enrolment cancelled, the runtime's tick looks its person up.
    expect(await service.handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    state.lookupDown = false;
    clock.ms += stationAbandonedResolveEveryMs;
    await service.lockIdleStation(); // the runtime's tick
    expect(await atHub(fx, lost)).toBe(404);
    expect(await pending(deployment)).toEqual([]);
  });

  it('run again by the hub after it pruned the answer and refused for another reason than enrolled (an unknown account): listed, then resolved by the lookup (logged), never dropped unsaid', async () => {
    const { deployment, state, service } = await station('pruned-refused', ['a-pruned-assigned']);
    // An account the hub does not know: the first request is refused (404), and that answer is lost.
    await upToPin(service.handlers, 'a-pruned-unknown', licence('Oto Yagi'));
    await lostTry(service, state);
    await hubPrunesStoredAnswers(fx);

    const sent = state.creates;
    const refused = await finish(service.handlers);
    expect(refused).toMatchObject({ ok: false, error: { code: 'hub_refused' } });
    expect(refused.ok ? '' : refused.error.message).toContain('a-pruned-unknown');
    // The lost request run again (refused, not replayed), then this try's own (refused the same way).
    expect(state.creates).toBe(sent + 2);
    const log = await stationLog(deployment);
    expect(
      log.filter((e) => e.kind.startsWith('enrolment.admin_erase')).map((e) => [e.kind, e.data]),
    ).toMatchObject([
      ['enrolment.admin_erase_needed', { accountId: 'a-pruned-unknown' }],
      ['enrolment.admin_erase_resolved', { accountId: 'a-pruned-unknown', found: 'nobody' }],
    ]);
    expect(await logKinds(deployment)).not.toContain('person.erased');
    expect(await pending(deployment)).toEqual([]);
  });
});
