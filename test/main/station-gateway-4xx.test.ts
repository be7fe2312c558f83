// The enrolment station against a real hub behind a gateway that forwards the person's creation and then
// answers a 4xx of its own (a timeout while waiting, its own JSON): the hub did create the person, so the
// station must keep the request to ask again, not forget it and leave the account and document taken by a
// person without a face that every later try is refused for.
import { describe, expect, it } from 'vitest';
import { stationHubForFile } from './station-rig.ts';
import { atHub, finish, licence, signedInStation, upToPin } from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-gateway-4xx-', {
  station: {
    name: 'Ward office station 3',
    accounts: ['gateway-408', 'gateway-json'],
  },
});

/**
 * A network whose first POST /v1/persons reaches the hub, whose answer the gateway drops for `ownAnswer`;
 * every other request and answer passes. `created` holds the person the hub created.
 */
function gatewayAnsweringPersonItself(ownAnswer: () => Response) {
  const created: string[] = [];
  let answered = false;
  const network: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (answered || init?.method !== 'POST' || url.pathname !== '/v1/persons') return response;
    answered = true;
    created.push(((await response.json()) as { id: string }).id);
    return ownAnswer();
  };
  return { network, created };
}

describe("a gateway's own 4xx to the person's creation, after the hub created them", () => {
  for (const [account, name, ownAnswer] of [
    ['gateway-408', '408 with an empty body', () => new Response('', { status: 408 })],
    [
      'gateway-json',
      "400 in the gateway's own JSON",
      () => Response.json({ message: 'upstream request timeout', status: 400 }, { status: 400 }),
    ],
  ] as const) {
    it(`${name}: the officer is told the outcome is unknown, and the next try enrols that very person with their face`, async () => {
      const { network, created } = gatewayAnsweringPersonItself(ownAnswer);
      const handlers = (await signedInStation(fx, fx.station, network)).handlers;
      await upToPin(handlers, account, licence(`Gateway ${account}`));
      const first = await finish(handlers);
      expect(first).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
      const [person] = created;
      if (person === undefined) throw new Error('the hub created no person');
      expect(await atHub(fx, person)).toBe(0); // created, no face yet

      const again = await finish(handlers);
      expect(again).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
      expect(again.ok ? again.station.enrolment?.person?.id : undefined).toBe(person);
      expect(await atHub(fx, person)).toBeGreaterThan(0);
    });
  }
});
