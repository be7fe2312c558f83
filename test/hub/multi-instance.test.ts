// Two hub instances on one PostgreSQL database (issue 11): one winner among settles split across
// them, idempotency answers from either, erasure heard by both, and one instance SIGKILLed under load.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  account,
  adminToken,
  balances,
  client,
  databaseFor,
  holdBody,
  openRawDb,
  startTestHub,
  syntheticFace as face,
  tempDir,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';
import {
  enrolTestPerson,
  sealedPin,
  sealedProbe,
  testIdDocument,
  testPin,
} from './identity-helpers.ts';
import { pinAttemptsMax, pinUnlocksPerDayPerPerson } from '../../src/shared/limits.ts';
import { memberNumberFromPayload } from '../../src/shared/member-number.ts';
import { copyKeys, cutTemplateFeeds, twoInstances, twoInstancesWithShop } from './two-instances.ts';
import { assertNoProcessLeft, runScriptTracked, spawnHub, type HubProcess } from './process.ts';
import { useRunningHubs } from './postgres-hubs.ts';

afterAll(assertNoProcessLeft);

const running = useRunningHubs();

/** Two instances with identity, a shop, its till and an enrolled Alice (face and PIN 4821). */
async function enrolledOnTwo() {
  const { a, b, enroller, till, hubKey } = await twoInstancesWithShop(running);
  const alice = face();
  const person = await enrolTestPerson(a, hubKey, {
    enroller,
    accountId: 'alice',
    sealedTemplate: () => sealedProbe(a, hubKey, face(alice)),
  });
  return { a, b, till, hubKey, alice, person, enroller };
}

describe('two instances on one database', () => {
  it('20 concurrent settles of one hold split across both: exactly one succeeds', async () => {
    const { a, b } = await twoInstances(running);
    await account(a, 'alice', 'person', 100_000);
    await account(a, 'shop', 'merchant');
    const shop = await client(a, 'merchant', 'shop');
    const hold = (await a.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 5_000) }))
      .body;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).call('POST', `/v1/holds/${hold.id}/settle`, {
          token: shop,
          body: { amount: 5_000 },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const t of [a, b]) {
      expect(await balances(t, 'alice')).toEqual({ balance: 95_000, held: 0, available: 95_000 });
      expect(await balances(t, 'shop')).toEqual({ balance: 5_000, held: 0, available: 5_000 });
    }
  });

  it('an idempotency key replayed on the other instance returns the stored answer, no second hold', async () => {
    const { a, b } = await twoInstances(running);
    await account(a, 'alice', 'person', 100_000);
    await account(a, 'shop', 'merchant');
    const key = randomUUID();
    const body = holdBody('alice', 'shop', 2_500);
    const first = await a.call('POST', '/v1/holds', { body, key });
    expect(first.status).toBe(201);
    const again = await b.call('POST', '/v1/holds', { body, key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await b.call('POST', '/v1/holds', {
      body: { ...body, amount: 2_600 },
      key,
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(await balances(b, 'alice')).toEqual({
      balance: 100_000,
      held: 2_500,
      available: 97_500,
    });
  });

  it('a person enrolled on one instance matches on the other; erased, stops matching there at once', async () => {
    const { a, b, till, hubKey, alice, person, enroller } = await enrolledOnTwo();
    const identifyOnB = () =>
      b.call('POST', '/v1/identify', {
        token: till,
        body: {
          modelId: testFaceModelId,
          sealedProbe: sealedProbe(b, hubKey, face(alice)),
          liveness: { passed: true, score: 0.97 },
          payee: 'shop',
          amount: 500,
        },
      });
    // B hears of A's templates by NOTIFY at A's commit: within the bound, B's gallery has them.
    const gallery = b.hub.identity?.gallery;
    expect(gallery).toBeDefined();
    const heardBy = Date.now() + 2_000;
    while ((gallery?.size ?? 0) < 2 && Date.now() < heardBy) await sleep(20);
    expect(gallery?.size).toBe(2);
    const before = await identifyOnB();
    expect(before.status).toBe(200);
    expect(before.body.match?.personId).toBe(person.id);

    // B's listener connection is cut (a network blip): B hears nothing until it reconnects, and its
    // gallery still holds Alice while A erases her.
    await cutTemplateFeeds(a);
    expect(
      (await a.call('DELETE', `/v1/persons/${person.id}`, { token: enroller.token })).status,
    ).toBe(204);
    expect(gallery?.size).toBe(2);
    // The bound for matching is zero: the very next identify on B, its gallery not yet told, reads
    // the person inside its transaction and finds nobody.
    const after = await identifyOnB();
    expect(after.status).toBe(200);
    expect(after.body.match).toBeNull();
    // And the gallery follows within the feed's reconnect (resynchronised from the tables).
    const forgottenBy = Date.now() + 3_000;
    while ((gallery?.size ?? 0) > 0 && Date.now() < forgottenBy) await sleep(20);
    expect(gallery?.size).toBe(0);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The two hub processes of the SIGKILL test, stopped (whatever is left of them) after it. */
const processes: HubProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function http(url: string, method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

describe('one instance killed under load', () => {
  it('SIGKILL of one hub process: the other keeps serving, no money lost or duplicated, audit:verify clean', async () => {
    const token = adminToken;
    const dirA = tempDir('facepay-instance-a-');
    dirs.push(dirA);
    const a = await spawnHub(dirA, { FACEPAY_ADMIN_TOKEN: token });
    processes.push(a);
    const databaseUrl = await databaseFor(dirA);
    expect(databaseUrl).toBeDefined();
    const dirB = copyKeys(dirA);
    dirs.push(dirB);
    const b = await spawnHub(dirB, {
      FACEPAY_ADMIN_TOKEN: token,
      FACEPAY_DATABASE_URL: databaseUrl ?? '',
    });
    processes.push(b);

    const initial = 10_000_000;
    for (const [id, kind] of [
      ['alice', 'person'],
      ['shop', 'merchant'],
    ] as const) {
      const created = await http(a.url, 'POST', '/v1/accounts', token, {
        id,
        kind,
        name: id,
        currency: 'JPY',
      });
      expect(created.status).toBe(201);
    }
    expect(
      (await http(a.url, 'POST', '/v1/accounts/alice/deposits', token, { amount: initial })).status,
    ).toBe(201);
    const till = await http(a.url, 'POST', '/v1/clients', token, {
      name: 'till',
      role: 'merchant',
      merchantId: 'shop',
    });
    const shopToken = till.body.token as string;

    // Workers place and settle 100-yen holds, alternating instances; after 60 acknowledged pairs
    // instance A is SIGKILLed mid-load, and its workers carry on against B.
    const acknowledged: string[] = [];
    let killed = false;
    let failedOnA = 0;
    const pairsPerWorker = 30;
    const worker = async (w: number) => {
      for (let i = 0; i < pairsPerWorker; i++) {
        const target = (w + i) % 2 === 0 && !killed ? a.url : b.url;
        try {
          // The admin places (a till needs the payer's consent to), the shop's till settles.
          const placed = await http(
            target,
            'POST',
            '/v1/holds',
            token,
            holdBody('alice', 'shop', 100),
          );
          if (placed.status !== 201) throw new Error(`place ${placed.status}`);
          const settled = await http(
            target,
            'POST',
            `/v1/holds/${placed.body.id}/settle`,
            shopToken,
            { amount: 100 },
          );
          if (settled.status !== 200) throw new Error(`settle ${settled.status}`);
          acknowledged.push(placed.body.id as string);
        } catch (error) {
          // Only requests to the killed instance may fail (connection reset or refused).
          expect(target, String(error)).toBe(a.url);
          failedOnA++;
        }
        if (!killed && acknowledged.length >= 60) {
          killed = true;
          process.kill(a.pid, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    expect(killed).toBe(true);
    await a.exited;
    expect(a.child.signalCode).toBe('SIGKILL');

    // B kept serving, and still does.
    const afterKill = await http(b.url, 'POST', '/v1/holds', token, holdBody('alice', 'shop', 100));
    expect(afterKill.status).toBe(201);
    // Every acknowledged settle is there, once: the shop holds exactly the settled holds' money.
    for (const id of acknowledged) {
      const hold = await http(b.url, 'GET', `/v1/holds/${id}`, shopToken);
      expect(hold.body.status).toBe('settled');
    }
    const settledHolds = await http(b.url, 'GET', '/v1/holds?status=settled&limit=500', token);
    const settledCount = (settledHolds.body.items as unknown[]).length;
    expect(settledCount).toBeGreaterThanOrEqual(acknowledged.length);
    expect(settledCount).toBeLessThanOrEqual(acknowledged.length + failedOnA);
    const shop = await http(b.url, 'GET', '/v1/accounts/shop', token);
    const alice = await http(b.url, 'GET', '/v1/accounts/alice', token);
    expect(shop.body.balance).toBe(settledCount * 100);
    expect(alice.body.balance + shop.body.balance).toBe(initial);

    const verified = await runScriptTracked('src/hub/audit-verify-cli.ts', [
      '--data',
      dirB,
      '--database-url',
      databaseUrl ?? '',
    ]);
    expect(verified.out).toMatch(/audit chain valid: \d+ rows/);
    expect(verified.out).toMatch(/ledger consistent/);
    expect(verified.code).toBe(0);

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });
});

describe('face + PIN and member-number PIN across instances', () => {
  it('identify on one instance, the PIN on the other: the payment is authorized', async () => {
    const { a, b, till, hubKey, alice, person } = await enrolledOnTwo();
    // Step-up amount: the face alone does not pay, the PIN must follow.
    const identified = await a.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedProbe(a, hubKey, face(alice)),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 40_000,
      },
    });
    expect(identified.body).toMatchObject({ match: { personId: person.id }, pinRequired: true });
    const verified = await b.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: person.id,
        sealedPin: sealedPin(b, hubKey, testPin, `verify:${person.id}`),
        payee: 'shop',
        amount: 40_000,
      },
    });
    expect(verified.status).toBe(200);
    expect(typeof verified.body.authorization).toBe('string');
    // The identification is spent with the PIN that used it, on every instance.
    const again = await a.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: person.id,
        sealedPin: sealedPin(a, hubKey, testPin, `verify:${person.id}`),
        payee: 'shop',
        amount: 40_000,
      },
    });
    expect(again.body.error?.code).toBe('identification_required');
  });

  it('wrong PINs on a member number nobody holds lock it after the same tries, across instances', async () => {
    const { a, b, till, hubKey, person } = await enrolledOnTwo();
    const candidates = ['123456789', '123456790'].map(memberNumberFromPayload);
    const unknown = candidates.find((n) => n !== person.memberNumber) ?? '';
    const tries = [];
    for (let i = 0; i < pinAttemptsMax + 1; i++) {
      const t = i % 2 === 0 ? a : b;
      t.clock.advance(1_000);
      tries.push(
        await t.call('POST', '/v1/pin-authorizations', {
          token: till,
          body: {
            memberNumber: unknown,
            sealedPin: sealedPin(t, hubKey, '0007', `member:${unknown}`),
            payee: 'shop',
            amount: 1_000,
          },
        }),
      );
    }
    expect(tries.map((r) => [r.status, r.body.error.code])).toEqual([
      ...Array.from({ length: pinAttemptsMax }, () => [422, 'pin_incorrect']),
      [423, 'pin_locked'],
    ]);
  });
});

describe('PIN unlocks across instances', () => {
  it("a person's unlocks of the day are counted on both instances together", async () => {
    const { a, b, person, enroller } = await enrolledOnTwo();
    const body = { idDocument: testIdDocument('alice') };
    const statuses: number[] = [];
    for (let i = 0; i <= pinUnlocksPerDayPerPerson; i++) {
      const t = i % 2 === 0 ? a : b;
      const answer = await t.call('POST', `/v1/persons/${person.id}/unlock-pin`, {
        token: enroller.token,
        body,
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([
      ...Array.from({ length: pinUnlocksPerDayPerPerson }, () => 204),
      429,
    ]);
  });
});

describe('audit:verify on a PostgreSQL deployment', () => {
  it('passes on a clean log, names the first tampered row, and a balance edited by hand', async () => {
    const t = await startTestHub();
    running.push(t);
    await account(t, 'alice', 'person', 5_000);
    await account(t, 'shop', 'merchant');
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 100) });
    const databaseUrl = (await databaseFor(t.dir)) ?? '';
    const verify = () =>
      runScriptTracked('src/hub/audit-verify-cli.ts', [
        '--data',
        t.dir,
        '--database-url',
        databaseUrl,
      ]);
    const clean = await verify();
    expect(clean.out).toMatch(/audit chain valid: \d+ rows/);
    expect(clean.code).toBe(0);

    const raw = await openRawDb(t.dir);
    try {
      // A database administrator can drop the triggers; the chain's key is not in the database.
      await raw.run('DROP TRIGGER audit_log_no_update ON audit_log');
      expect(
        await raw.run("UPDATE audit_log SET data = replace(data, '100', '1') WHERE seq = 5"),
      ).toBe(1);
      const tampered = await verify();
      expect(tampered.out).toContain('audit chain BROKEN at row 5');
      expect(tampered.code).toBe(1);
      await raw.run("UPDATE accounts SET balance = balance + 1 WHERE id = 'shop'");
      const inconsistent = await verify();
      expect(inconsistent.out).toContain('ledger INCONSISTENT: account shop');
      expect(inconsistent.code).toBe(1);
    } finally {
      await raw.close();
    }
  });
});

describe('the PostgreSQL schema', () => {
  it('a database a newer hub migrated is refused, not guessed at', async () => {
    const t = await startTestHub();
    const dir = t.dir;
    const databaseUrl = await databaseFor(dir);
    await t.hub.close();
    const raw = await openRawDb(dir);
    try {
      expect(await raw.run('UPDATE schema_version SET version = version + 1')).toBe(1);
    } finally {
      await raw.close();
    }
    await expect(
      startTestHub({ dataDir: dir, ...(databaseUrl === undefined ? {} : { databaseUrl }) }),
    ).rejects.toThrow(/newer than this hub understands/);
    // The hub is closed; its database goes with the others of this file (helpers.ts, afterAll).
    rmSync(dir, { recursive: true, force: true });
  });
});

/** One instance with a payer holding 10,000 yen and a shop. */
async function payerAndShop(): Promise<TestHub> {
  const t = await startTestHub();
  running.push(t);
  await account(t, 'payer', 'person', 10_000);
  await account(t, 'shop', 'merchant');
  return t;
}

describe("the writer's connection", () => {
  it('cut in the middle of a batch: that batch fails, the next one prepares its writes on a new connection and commits', async () => {
    const t = await payerAndShop();
    const raw = await openRawDb(t.dir);
    try {
      // Hold the chain head's lock, so the hub's next batch waits on it inside its BEGIN.
      await raw.run('BEGIN');
      await raw.all('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
      const cutOff = t.call('POST', '/v1/holds', { body: holdBody('payer', 'shop', 100) });
      let cut: unknown[] = [];
      const by = Date.now() + 10_000;
      while (cut.length === 0 && Date.now() < by) {
        cut = await raw.all(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        if (cut.length === 0) await sleep(10);
      }
      expect(cut).toHaveLength(1);
      await raw.run('COMMIT');
      expect((await cutOff).status).toBeGreaterThanOrEqual(500);
    } finally {
      await raw.close();
    }
    // A new connection has none of the prepared writes: the hold, its audit row and stored answer need them.
    const placed = await t.call('POST', '/v1/holds', {
      key: randomUUID(),
      body: holdBody('payer', 'shop', 250),
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const settled = await t.call('POST', `/v1/holds/${placed.body.id}/settle`, {
      body: { amount: 250 },
    });
    expect(settled.status, JSON.stringify(settled.body)).toBe(200);
    expect(await balances(t, 'payer')).toEqual({ balance: 9_750, held: 0, available: 9_750 });
  });

  it('cut while it waits between batches (a database restart, an idle timeout): the hub stays up and the next request commits', async () => {
    const t = await payerAndShop();
    const raw = await openRawDb(t.dir);
    try {
      // The writer's connection is the one whose last statement was a COMMIT, now idle.
      const cut = await raw.all(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'idle' AND query = 'COMMIT'
           AND pid <> pg_backend_pid()`,
      );
      expect(cut).toHaveLength(1);
    } finally {
      await raw.close();
    }
    // The server's goodbye reaches the idle connection as an 'error' event: with nobody listening,
    // that event is thrown, and it ends the process.
    await sleep(300);
    const placed = await t.call('POST', '/v1/holds', {
      key: randomUUID(),
      body: holdBody('payer', 'shop', 400),
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(await balances(t, 'payer')).toEqual({ balance: 10_000, held: 400, available: 9_600 });
  });

  it("the sweeper's lock connection cut while it sweeps: the sweep fails, the hub stays up, the next sweep runs", async () => {
    const t = await startTestHub();
    running.push(t);
    const raw = await openRawDb(t.dir);
    try {
      const first = t.hub.store.runExclusive('sweeper', async () => {
        // The session holding the advisory lock is idle while the sweep's own statements run elsewhere.
        const cut = await raw.all(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND state = 'idle'
             AND query LIKE '%pg_try_advisory_lock%' AND pid <> pg_backend_pid()`,
        );
        expect(cut).toHaveLength(1);
        await sleep(300);
        return 'swept';
      });
      // The lock's session is gone (and its lock with it): the unlock cannot be sent.
      await expect(first).rejects.toThrow();
    } finally {
      await raw.close();
    }
    expect(await t.hub.store.runExclusive('sweeper', async () => 'again')).toBe('again');
  });
});
