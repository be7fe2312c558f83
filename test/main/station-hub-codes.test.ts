// A hub refusal of an enrolment carries the hub's own code and status (hubCode, hubStatus) beside the
// station's hub_refused, for the officer's screen to say why; and an MRZ that does not check names its check digits.
import { describe, expect, it } from 'vitest';
import { stationHubForFile } from './station-rig.ts';
import { finish, licence, signedInStation, upToPin } from './station-fixture.ts';

const fixture = stationHubForFile('facepay-station-hub-codes-');

describe("a hub refusal's own code", () => {
  it('says the hub does not know the account (404 not_found)', async () => {
    const service = await signedInStation(fixture, await fixture.ownStation('unknown'), fetch);
    await upToPin(service.handlers, 'h-never-opened', licence('Ken Nowhere'));
    const refused = await finish(service.handlers);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'hub_refused', hubCode: 'not_found', hubStatus: 404 },
    });
    expect(!refused.ok && refused.error.message).toMatch(/h-never-opened not found/);
  });

  it("says the account is not assigned to the station's organisation (403 forbidden)", async () => {
    const service = await signedInStation(fixture, await fixture.ownStation('unassigned'), fetch);
    const account = 'h-not-ours';
    await fixture.admin.createAccount({
      id: account,
      name: account,
      kind: 'person',
      currency: 'JPY',
    });
    await upToPin(service.handlers, account, licence('Mei Elsewhere'));
    expect(await finish(service.handlers)).toMatchObject({
      ok: false,
      error: { code: 'hub_refused', hubCode: 'forbidden', hubStatus: 403 },
    });
  });
});

/** Hanako Tanaka's passport (TD3) with its MRZ's second line as given. */
const passport = (secondLine: string) => ({
  type: 'passport' as const,
  number: 'TK1234567',
  name: 'Hanako Tanaka',
  dateOfBirth: '1990-04-01',
  expiry: '2031-04-01',
  mrz: ['P<JPNTANAKA<<HANAKO<<<<<<<<<<<<<<<<<<<<<<<<<', secondLine].join('\n'),
});

describe("a refusal that is not the hub's", () => {
  // The station cannot tell whether the gateway forwarded the request first (the hub may have created the
  // person): an unknown outcome, kept to ask again (station-gateway-4xx.test.ts), never the hub's refusal.
  it("carries no hub code: a gateway's own 403, without the hub's error body, is an unknown outcome", async () => {
    const gateway: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (init?.method === 'POST' && url.pathname === '/v1/persons') {
        return new Response(JSON.stringify({ message: 'blocked by policy' }), {
          status: 403,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    const service = await signedInStation(
      fixture,
      await fixture.ownStation('gateway', ['h-gw']),
      gateway,
    );
    await upToPin(service.handlers, 'h-gw', licence('Gen Gateway'));
    const refused = await finish(service.handlers);
    expect(refused).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(!refused.ok && Object.keys(refused.error)).toEqual(['code', 'message']);
  });
});

describe('an MRZ that does not check', () => {
  it('names the check digits that fail', async () => {
    const service = await signedInStation(
      fixture,
      await fixture.ownStation('mrz', ['h-mrz']),
      fetch,
    );
    // The date of birth's check digit typed 3 instead of 2: that digit and the composite one (over the
    // whole line) do not check; the composite follows from the first, so only the date of birth is named
    // (the message, for logs, has both).
    const refused = await service.handlers.enrolmentDocument({
      accountId: 'h-mrz',
      document: passport('TK12345671JPN9004013F3104013<<<<<<<<<<<<<<00'),
    });
    // The composite digit itself mistyped (1 for 0): named alone.
    const composite = await service.handlers.enrolmentDocument({
      accountId: 'h-mrz',
      document: passport('TK12345671JPN9004012F3104013<<<<<<<<<<<<<<01'),
    });
    expect(composite).toMatchObject({
      ok: false,
      error: { documentCode: 'mrz_invalid', mrzCheckDigits: ['composite'] },
    });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'document_refused',
        documentCode: 'mrz_invalid',
        mrzCheckDigits: ['date_of_birth'],
        message: 'the MRZ does not check: Birth date check digit, Composite check digit',
      },
    });
  });
});
