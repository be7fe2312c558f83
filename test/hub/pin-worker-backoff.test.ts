// An Argon2id worker that died more than pinWorkerRespawnsMax times in a row is not given up for good:
// PIN requests are answered `503 unavailable` (try again) while the pool backs off, and once the back-off
// has passed the next one runs on a new worker.
//
// Found in review: past that many crashes the pool never started a worker again, so every PIN request
// (payments, enrolments) was answered 503 "try again" until the hub was restarted.
import { setTimeout as sleep } from 'node:timers/promises';
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

beforeEach(async () => {
  ({ t, hubKey, enroller } = await startIdentityHub());
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
    // Refused meanwhile (503, try again); asked again over several back-offs, it is enrolled.
    const statuses: number[] = [];
    for (let asked = 0; asked < 20 && statuses.at(-1) !== 201; asked++) {
      statuses.push((await enrolAlice()).status);
      if (statuses.at(-1) === 503) await sleep(pinWorkerBackoffFirstMs / 4);
    }
    // Refused at least once first (the back-off ran), then enrolled: no other answer in between.
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(statuses[0]).toBe(503);
    expect(statuses.at(-1)).toBe(201);
    expect(statuses.slice(0, -1).every((status) => status === 503)).toBe(true);
  }, 60_000);
});
