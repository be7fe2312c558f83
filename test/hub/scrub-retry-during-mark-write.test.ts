// A run-time erasure scrub held off by another reader is tried again until it runs, even when its mark's
// durable write (two fsyncs: seconds on a loaded disk) outlasts the retry interval.
//
// Found in review of ba4ba88: the held-off scrub waited for its mark while still counted as running, so
// the retry that fired meanwhile found it running and armed no next one: the erased person's sealed
// templates stayed in the WAL, the erasure pending, until another erasure or the hub's stop.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { dangerousTestOnlyKeyFileSteps } from '../../src/biometrics/protect/key-files.node.ts';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { storeKind, syntheticFace } from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';

describe.runIf(storeKind === 'sqlite')(
  'a held-off erasure scrub whose mark is slow to write',
  () => {
    it('is tried again after the write, and runs once the reader lets go', async () => {
      const { t, hubKey, enroller } = await startIdentityHub();
      const store = t.hub.store;
      if (!(store instanceof SqliteHubStore)) throw new Error('a SQLite hub');
      const mark = join(t.dir, 'hub.sqlite-erasure-scrub');
      let reader: Database.Database | undefined;
      let letMarkOn = (): void => undefined;
      try {
        const alice = syntheticFace();
        const person = await enrolTestPerson(t, hubKey, {
          enroller,
          accountId: 'alice',
          sealedTemplate: () => sealedProbe(t, hubKey, syntheticFace(alice)),
        });
        // The mark's write waits after its temporary file is synced, until the test lets it on.
        const markOn = new Promise<void>((resolve) => (letMarkOn = resolve));
        let writing = (): void => undefined;
        const markWriting = new Promise<void>((resolve) => (writing = resolve));
        dangerousTestOnlyKeyFileSteps(async (step, path) => {
          if (path !== mark || step !== 'temporary_synced') return;
          writing();
          await markOn;
        });
        // A reader holding a snapshot from before the erasure holds the truncating checkpoint off.
        reader = new Database(join(t.dir, 'hub.sqlite'), { readonly: true });
        reader.exec('BEGIN');
        reader.prepare('SELECT COUNT(*) FROM accounts').get();

        const erasing = t.call('DELETE', `/v1/persons/${person.id}`, { token: enroller.token });
        // Bounded: a mark never written would otherwise hang the test before its clean-up.
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            markWriting,
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error('the scrub mark’s write not begun within 10 s')),
                10_000,
              );
            }),
          ]);
        } finally {
          clearTimeout(timer);
        }
        // The retry armed when the scrub was held off (every 1000 ms, the hub's default) comes due while
        // the mark is being written: a timer due sooner than this wait fires before it ends.
        await sleep(1500);
        reader.exec('COMMIT');
        reader.close();
        reader = undefined;
        letMarkOn();
        const erased = await erasing;
        expect(erased.status).toBe(204);
        expect(erased.headers.get('facepay-scrub')).toBe('pending');

        // No request and no other erasure: the hub's own retries take the rows out.
        const deadline = performance.now() + 10_000;
        while (store.erasureScrub.pending() && performance.now() < deadline) await sleep(50);
        expect(store.erasureScrub.pending()).toBe(false);
        await store.scrubMarkSettled();
        expect(existsSync(mark)).toBe(false);
      } finally {
        dangerousTestOnlyKeyFileSteps(undefined);
        letMarkOn();
        reader?.close();
        await t.stop();
      }
    });
  },
);
