// Who erased a person (DELETE /v1/persons/:id asked again, read inside the write transaction) is found
// through an index of the erasures by subject, on both adapters: not a scan of the whole audit log, which
// held up SQLite's write batch (holds, payments) ~70 ms a million rows for every unknown id.
//
// Found in review: the query's kind had no index (audit_log_pin_unlocks is partial to other kinds).
import { afterEach, describe, expect, it } from 'vitest';
import { personErasedKindSql } from '../../src/hub/storage/port.ts';
import { openRawDb, startTestHub, storeKind, type TestHub } from './helpers.ts';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** The query of IdentityReader.personErasedBy (both stores), with a literal subject. */
const erasedBy = `SELECT actor FROM audit_log WHERE subject = 'p_unknown' AND kind = ${personErasedKindSql} ORDER BY seq DESC LIMIT 1`;

describe("the lookup of a person's erasure", () => {
  it('is planned on the index audit_log_person_erasures', async () => {
    t = await startTestHub();
    const raw = await openRawDb(t.dir);
    try {
      let plan: string;
      if (storeKind === 'sqlite') {
        plan = JSON.stringify(await raw.all(`EXPLAIN QUERY PLAN ${erasedBy}`));
      } else {
        // The table is nearly empty: without this the planner may read it whole whatever the indexes.
        await raw.run('SET enable_seqscan = off');
        plan = JSON.stringify(await raw.all(`EXPLAIN ${erasedBy}`));
      }
      expect(plan).toContain('audit_log_person_erasures');
    } finally {
      await raw.close();
    }
  });
});
