// The enrolment station against a real hub: an officer enrols again an account and document whose earlier
// request is listed for the hub's admin, and is refused as enrolled. The station says why in its own reason
// (the screen's words in both languages): a person spared by the lookup, created after that request was
// sent, is another station's enrolment (under way, or done since): wait or ask the admin, never "erase it";
// a lookup that went unanswered leaves the earlier try's person possible: the admin must erase them.
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveEveryMs,
} from '../../src/shared/limits.ts';
import {
  faultyNetwork,
  lostEnrolment,
  pending,
  secondStationMidEnrolment,
} from './station-faults.ts';
import { stationHubOnSharedClock } from './station-rig.ts';
import { atHub, finish, licence, signIn, stationLog, upToPin } from './station-fixture.ts';

/** One clock for the hub and every station (their services and hub links): time passes by `shiftMs`. */
const { fx, time, now, stationOn } = stationHubOnSharedClock('facepay-station-elsewhere-');

/**
 * A station whose enrolment of `document` on `account` lost its answer, left past the time the hub answers
 * for it with its lookup unanswered (listed for the hub's admin), whose person the admin then erased.
 */
async function listedAndErased(account: string, document: ReturnType<typeof licence>) {
  const deployment = await fx.ownStation(account, [account]);
  const { state, network } = faultyNetwork();
  const station = await stationOn(deployment, network);
  const lost = await lostEnrolment(fx, station, state, { accountId: account, document });
  state.lookupDown = true;
  await station.handlers.officerSignOut({});
  time.shiftMs += stationAbandonedAnswerTrustedMs + stationAbandonedResolveEveryMs;
  await station.lockIdleStation();
  expect(await pending(deployment)).toMatchObject([{ accountId: account, body: null }]);
  await fx.admin.deletePerson(lost);
  state.lookupDown = false;
  return { deployment, state, station };
}

/** The officer enrols `document` on `account` again, up to the end: refused as enrolled. */
async function enrolAgain(
  station: KioskService,
  account: string,
  document: ReturnType<typeof licence>,
) {
  await signIn(station);
  await upToPin(station.handlers, account, document);
  const refused = await finish(station.handlers);
  expect(refused).toMatchObject({ ok: false, error: { code: 'already_enrolled' } });
  const shown = await station.handlers.station({});
  return { error: refused.ok ? null : refused.error, shown };
}

describe('an enrolment refused as enrolled while an earlier request of its account is listed for the admin', () => {
  it('the lookup spares a faceless person created after that request (another station enrolling them): enrolled_elsewhere, not an earlier try for the admin to erase; that person is kept', async () => {
    const account = 'a-elsewhere';
    const document = licence('Mio Kato');
    const { deployment, station } = await listedAndErased(account, document);
    time.shiftMs += 3_600_000;
    const later = await secondStationMidEnrolment(fx, {
      first: deployment,
      accountId: account,
      document,
      now,
    });

    const { error, shown } = await enrolAgain(station, account, document);
    expect(error).toMatchObject({
      code: 'already_enrolled',
      enrolmentReason: 'enrolled_elsewhere',
    });
    expect(error?.message).toContain('another station may be enrolling them');
    expect(error?.message).not.toContain("the hub's admin must erase");
    expect(shown).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'refused', refusal: { code: 'enrolled_elsewhere' } } },
    });
    const refusals = (await stationLog(deployment)).filter(
      (entry) => entry.kind === 'enrolment.refused',
    );
    expect(refusals).toMatchObject([
      { data: { code: 'already_enrolled', reason: 'enrolled_elsewhere' } },
    ]);
    expect(await atHub(fx, later.person)).toBe(0);

    // That station's officer tries again: the same person gets their faces.
    expect(await finish(later.service.handlers)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled', person: { id: later.person } } },
    });
  });

  it("the lookup unanswered: earlier_try_unresolved, the hub's admin must erase", async () => {
    const account = 'a-unresolved';
    const document = licence('Sora Endo');
    const { deployment, state, station } = await listedAndErased(account, document);
    time.shiftMs += 3_600_000;
    await secondStationMidEnrolment(fx, { first: deployment, accountId: account, document, now });

    state.lookupDown = true;
    const { error, shown } = await enrolAgain(station, account, document);
    expect(error).toMatchObject({
      code: 'already_enrolled',
      enrolmentReason: 'earlier_try_unresolved',
    });
    expect(error?.message).toContain("the hub's admin must erase");
    expect(shown).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'refused', refusal: { code: 'earlier_try_unresolved' } } },
    });
  });
});
