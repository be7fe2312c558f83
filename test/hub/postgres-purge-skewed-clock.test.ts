// PostgreSQL: the stored answers are shared by every instance, so the hourly purge of answers past the
// retention must not go by one instance's clock alone: an instance whose clock runs days ahead deletes
// only what is past the retention by the database's clock too, and an answer still inside it replays.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { account, holdBody, openRawDb, storeKind } from './helpers.ts';
import { twoInstances } from './two-instances.ts';
import { idempotencyRetentionSeconds } from '../../src/shared/limits.ts';
import { useRunningHubs } from './postgres-hubs.ts';

const running = useRunningHubs();

const hourMs = 3_600_000;
const retentionMs = idempotencyRetentionSeconds * 1000;

describe.runIf(storeKind === 'postgres')(
  'the stored-answer purge on a clock-skewed instance',
  () => {
    it('deletes the answers past the retention, not an hour-old one its clock three days ahead calls past it', async () => {
      const { a, b } = await twoInstances(running);
      await account(a, 'alice', 'person', 100_000);
      await account(a, 'shop', 'merchant');
      // A's clock is right; one answer stored past the retention, one an hour old.
      const oldKey = randomUUID();
      a.clock.set(Date.now() - retentionMs - hourMs);
      const old = await a.call('POST', '/v1/holds', {
        body: holdBody('alice', 'shop', 100),
        key: oldKey,
      });
      expect(old.status).toBe(201);
      const recentKey = randomUUID();
      a.clock.set(Date.now() - hourMs);
      const recentBody = holdBody('alice', 'shop', 200);
      const recent = await a.call('POST', '/v1/holds', { body: recentBody, key: recentKey });
      expect(recent.status).toBe(201);

      // B's clock runs three days ahead; its hourly purge (hub.ts) asks to delete what is past the
      // retention by that clock: the hour-old answer too.
      b.clock.set(Date.now() + 72 * hourMs);
      const purged = await b.hub.store.deleteStoredResponsesBefore(b.clock.now() - retentionMs);
      expect(purged).toBeGreaterThanOrEqual(1);

      const raw = await openRawDb(a.dir);
      try {
        const kept = await raw.all<{ key: string }>(
          'SELECT key FROM idempotency WHERE key IN (?, ?)',
          oldKey,
          recentKey,
        );
        expect(kept.map((row) => row.key)).toEqual([recentKey]);
      } finally {
        await raw.close();
      }
      // The recent request replayed on either instance is answered as first: the same hold, no second.
      for (const t of [a, b]) {
        const again = await t.call('POST', '/v1/holds', { body: recentBody, key: recentKey });
        expect(again).toMatchObject({ status: 201, body: { id: recent.body.id } });
      }
    }, 120_000);
  },
);
