// One enrolment client flooding POST /v1/persons cannot stop PIN payments or other organisations'
// enrolments: Argon2id work is queued per lane (payments first) with a bounded share per client, a
// refusal that needs no PIN costs no Argon2id at all, and a 503 is an answer, not a stack on stderr.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { pinEnrolmentJobsQueuedMax } from '../../src/shared/limits.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  startTestHub,
  testCalibrationFile,
  type CallResult,
  type TestHub,
} from './helpers.ts';
import { fetchHubKey, sealedPin } from './identity-helpers.ts';

let t: TestHub;
let hubKey: Uint8Array;
let flooder: { id: string; token: string };
let otherOrg: { id: string; token: string };
let till: { id: string; token: string };
let stderr: string[];
const pin = (value: string, purpose: string) => sealedPin(t, hubKey, value, purpose);

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile(), stepUpAmount: 30_000 });
  await account(t, 'shop', 'merchant');
  flooder = await clientWithId(t, 'enrollment');
  otherOrg = await clientWithId(t, 'enrollment');
  till = await clientWithId(t, 'merchant', 'shop');
  hubKey = await fetchHubKey(t);
  stderr = [];
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest) => {
    stderr.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.stop();
});

let serial = 0;
function enrolment(token: string, accountId: string) {
  serial++;
  return t.call('POST', '/v1/persons', {
    token,
    body: {
      displayName: 'Flood Person',
      dateOfBirth: '1980-01-01',
      accountId,
      idDocument: { type: 'passport', numberHash: `sha256-flood-${serial}-0123`, verifiedBy: 'o' },
      sealedPin: pin('5307', 'enrol'),
    },
  });
}

/** `workers` concurrent senders that each send again as soon as answered, until `stop` resolves. */
async function flood(
  workers: number,
  send: () => Promise<CallResult>,
  stop: Promise<unknown>,
): Promise<Map<number, number>> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const statuses = new Map<number, number>();
  const worker = async () => {
    do {
      const { status } = await send();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    } while (!stopped);
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return statuses;
}

describe('Argon2id queue under an enrolment flood', () => {
  it("one enrolment client's flood leaves payment PIN checks and other organisations' enrolments working", async () => {
    await account(t, 'alice', 'person', 50_000);
    await assignEnroller(t, 'alice', otherOrg.id);
    const alice = await enrolment(otherOrg.token, 'alice');
    expect(alice.status).toBe(201);
    // The flooder's own accounts, assigned to it: each flood request passes every cheap check.
    const floodAccounts = 40;
    for (let i = 0; i < floodAccounts; i++) {
      await account(t, `f-${i}`, 'person');
      await assignEnroller(t, `f-${i}`, flooder.id);
    }
    let next = 0;
    await account(t, 'bob', 'person');
    await assignEnroller(t, 'bob', otherOrg.id);

    let release: (value: unknown) => void = () => undefined;
    const done = new Promise((resolve) => (release = resolve));
    const flooding = flood(40, () => enrolment(flooder.token, `f-${next++ % floodAccounts}`), done);
    // The flood is under way once its first answers come back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const payments: CallResult[] = [];
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1_000);
      const memberNumber = alice.body.memberNumber as string;
      payments.push(
        await t.call('POST', '/v1/pin-authorizations', {
          token: till.token,
          body: {
            memberNumber,
            sealedPin: pin('5307', `member:${memberNumber}`),
            payee: 'shop',
            amount: 500,
          },
        }),
      );
    }
    const bob = await enrolment(otherOrg.token, 'bob');
    release(null);
    const statuses = await flooding;

    expect(payments.map((p) => p.status)).toEqual([200, 200, 200]);
    expect(bob.status).toBe(201);
    // The flood itself got 503s once its share was full; enrolments or a lost race (409) otherwise.
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    const unexpected = [...statuses.entries()].filter(([s]) => ![201, 409, 503].includes(s));
    expect(unexpected).toEqual([]);
    // A 503 is an answer: no stack trace on stderr.
    expect(stderr.filter((line) => line.includes('hub error'))).toEqual([]);
  });

  it('an enrolment onto an account that does not exist is refused before any Argon2id work', async () => {
    const answers = await Promise.all(
      Array.from({ length: pinEnrolmentJobsQueuedMax * 5 }, () =>
        enrolment(flooder.token, 'no-such-account'),
      ),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([404]));
    // And the queue is as empty as before: another organisation enrols at once.
    await account(t, 'carol', 'person');
    await assignEnroller(t, 'carol', otherOrg.id);
    expect((await enrolment(otherOrg.token, 'carol')).status).toBe(201);
  });
});
