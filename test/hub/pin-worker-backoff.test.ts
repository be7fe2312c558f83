// An Argon2id worker that died more than pinWorkerRespawnsMax times in a row is not given up for good:
// PIN requests are answered `503 unavailable` (try again) while the pool backs off, and once the back-off
// has passed the next one runs on a new worker.
//
// Found in review: past that many crashes the pool never started a worker again, so every PIN request
// (payments, enrolments) was answered 503 "try again" until the hub was restarted. The back-off runs on
// a counter clock the test moves (dangerousTestOnlyPinBackoffNow), so no answer depends on how fast the
// machine is.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  pinWorkerBackoffFirstMs,
  pinWorkerRespawnsMax,
} from '../../src/biometrics/protect/pin-pool.node.ts';
import { account, assignEnroller, type TestHub } from './helpers.ts';
import { startIdentityHub, testPersonBody } from './identity-helpers.ts';

let t: TestHub;
let hubKey: Uint8Array;
let enroller: { id: string; token: string };
/** The PIN pool's back-off clock (ms): it moves only when the test moves it. */
let backoffNow: number;

beforeEach(async () => {
  backoffNow = 0;
  ({ t, hubKey, enroller } = await startIdentityHub({
    dangerousTestOnlyPinBackoffNow: () => backoffNow,
  }));
});
afterEach(async () => {
  await t.stop();
});

function enrolAlice() {
  return t.call('POST', '/v1/persons', {
    token: enroller.token,
    body: testPersonBody(t, hubKey, { accountId: 'alice' }),
  });
}

describe('an Argon2id worker that keeps dying', () => {
  it('is started again after a back-off: an enrolment then goes through', async () => {
    await account(t, 'alice', 'person', 100_000);
    await assignEnroller(t, 'alice', enroller.id);
    const identity = t.hub.identity;
    if (identity === undefined) throw new Error('the hub runs identity');
    for (let crash = 0; crash <= pinWorkerRespawnsMax; crash++) {
      identity.dangerousTestOnlyKillPinWorkerOnNextJob();
      expect((await enrolAlice()).status).toBe(503);
    }
    // The clock has not moved: the pool is backing off, so the next enrolment is refused (try again).
    expect(await enrolAlice()).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable' } },
    });
    // Once the first back-off has passed, the next enrolment runs on a new worker.
    backoffNow += pinWorkerBackoffFirstMs;
    expect((await enrolAlice()).status).toBe(201);
  }, 60_000);
});
