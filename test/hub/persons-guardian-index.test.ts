// A guardian's erasure finds the children enrolled under them and clears their guardian inside the write
// transaction: both statements go through the index persons_guardian (SQLite migration 22, PostgreSQL
// 12), on both adapters, and a SQLite database written before migration 22 gets it when the hub opens.
//
// Found in review: persons.guardian_person_id had no index, so every erasure scanned all persons twice.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirAtVersion, openRawDb, startTestHub, storeKind, type TestHub } from './helpers.ts';

let t: TestHub | undefined;
afterEach(async () => {
  const hub = t;
  t = undefined;
  await hub?.stop();
});

/** The statements of IdentityReader.listWardIds and of the erasure's clear (both stores), literal. */
const wards = "SELECT id FROM persons WHERE guardian_person_id = 'p_guardian' ORDER BY id";
const clear =
  "UPDATE persons SET guardian_person_id = NULL WHERE guardian_person_id = 'p_guardian'";

async function plans(dir: string): Promise<string[]> {
  const raw = await openRawDb(dir);
  try {
    if (storeKind === 'sqlite') {
      return [
        JSON.stringify(await raw.all(`EXPLAIN QUERY PLAN ${wards}`)),
        JSON.stringify(await raw.all(`EXPLAIN QUERY PLAN ${clear}`)),
      ];
    }
    // The table is nearly empty: without this the planner may read it whole whatever the indexes.
    await raw.run('SET enable_seqscan = off');
    return [
      JSON.stringify(await raw.all(`EXPLAIN ${wards}`)),
      JSON.stringify(await raw.all(`EXPLAIN ${clear}`)),
    ];
  } finally {
    await raw.close();
  }
}

describe("the lookup of a guardian's children", () => {
  it('is planned on the index persons_guardian, for the list and for the clear', async () => {
    t = await startTestHub();
    const [list, cleared] = await plans(t.dir);
    expect(list).toContain('persons_guardian');
    expect(cleared).toContain('persons_guardian');
  });

  if (storeKind === 'sqlite') {
    it('a SQLite database at version 21 gets the index when the hub opens it', async () => {
      const { dir, db } = dataDirAtVersion(21);
      db.close();
      try {
        t = await startTestHub({ dataDir: dir });
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      const [list, cleared] = await plans(dir);
      expect(list).toContain('persons_guardian');
      expect(cleared).toContain('persons_guardian');
    });
  }
});
