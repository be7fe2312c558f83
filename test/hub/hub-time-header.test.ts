// Every answer of the hub carries its clock (Hub-Time, an extension), refusals and unknown routes too: a
// kiosk whose own clock is off seals and signs by it. The test hub's clock is not the machine's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubTimeHeader } from '../../src/shared/hub-routes.ts';
import { startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(async () => {
  await t?.stop();
});

describe('the Hub-Time header', () => {
  it("is the hub's clock in milliseconds on a success, a refusal and an unknown route", async () => {
    t.clock.advance(12_345);
    const expected = String(t.clock.now());
    // The test hub's clock stands months from the machine's: the header is the hub's, not Date's.
    expect(Math.abs(t.clock.now() - Date.now())).toBeGreaterThan(86_400_000);
    const answers = [
      await t.call('GET', '/v1/health', { token: null }),
      await t.call('GET', '/v1/accounts/nobody', { token: 'not-a-token' }),
      await t.call('GET', '/v1/no-such-route'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 404]);
    for (const answer of answers) expect(answer.headers.get(hubTimeHeader)).toBe(expected);
  });
});
