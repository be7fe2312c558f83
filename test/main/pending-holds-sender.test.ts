// pending-holds.json records which hub client sent each lost request (its id where known, and a fingerprint
// of its token, never the token): reconcile trusts "never placed" only from that client. Older files load.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PendingHolds, senderOfToken } from '../../src/main/pending-holds.ts';
import { scratchDir } from '../hub/helpers.ts';
import { lostPurchase } from './pending-hold-example.ts';

const token = 'fpk_8ZK0uH3XUuXr4HXjXs3pVJ2C8jYqkz7vB3tM1dQe5wA';
let work: string;

beforeAll(() => {
  work = scratchDir('facepay-pending-sender-');
});

const lost = lostPurchase({
  sentBy: senderOfToken(token),
  sentByClient: 'cli_01TESTSHOPTILL0000000000000',
});

const onDisk = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as {
    paymentId: string;
    sentBy?: unknown;
    sentByClient?: unknown;
  }[];

describe("a lost hold request's sender", () => {
  it('is a fingerprint that tells tokens apart, one token always the same', () => {
    expect(senderOfToken(token)).toBe(senderOfToken(token));
    expect(senderOfToken(`${token}x`)).not.toBe(senderOfToken(token));
    expect(senderOfToken(token)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('is written with the request, and the token itself never is', () => {
    const file = path.join(work, 'written.json');
    new PendingHolds(file).add('pay_1', lost);
    expect(onDisk(file)).toMatchObject([
      { paymentId: 'pay_1', sentBy: senderOfToken(token), sentByClient: lost.sentByClient },
    ]);
    expect(readFileSync(file, 'utf8')).not.toContain(token);
    expect(new PendingHolds(file).get('pay_1')).toMatchObject({
      sentBy: senderOfToken(token),
      sentByClient: lost.sentByClient,
    });
  });

  it('is unknown (null) in an older file, and stays so when the file is written back and read again', () => {
    const file = path.join(work, 'older.json');
    new PendingHolds(file).add('pay_1', lost);
    const older = onDisk(file).map(
      ({ sentBy: _dropped, sentByClient: _droppedToo, ...entry }) => entry,
    );
    expect(older[0]).not.toHaveProperty('sentBy');
    expect(older[0]).not.toHaveProperty('sentByClient');
    writeFileSync(file, JSON.stringify(older));
    const loaded = new PendingHolds(file);
    expect(loaded.get('pay_1')).toMatchObject({ sentBy: null, sentByClient: null });
    loaded.markToCheck('pay_1');
    expect(onDisk(file)).toMatchObject([{ paymentId: 'pay_1', sentBy: null, sentByClient: null }]);
    expect(new PendingHolds(file).get('pay_1')).toMatchObject({
      sentBy: null,
      sentByClient: null,
      toCheck: true,
    });
  });
});
