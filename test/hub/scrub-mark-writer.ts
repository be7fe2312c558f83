// Child process for scrub-mark-durable.test.ts: opens a SQLite store whose start scrub fails (a full
// disk), so it writes the erasure scrub mark; says 'marked' once the mark is written, then closes.
import { randomBytes } from 'node:crypto';
import {
  SqliteHubStore,
  dangerousTestOnlyStartScrubFault,
} from '../../src/hub/storage/sqlite/sqlite-store.ts';

const [file] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: DATABASE_FILE');

dangerousTestOnlyStartScrubFault(() => {
  throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
});
const store = new SqliteHubStore({ file, auditKey: randomBytes(32), erasureScrubRetryMs: 60_000 });
dangerousTestOnlyStartScrubFault(undefined);
await store.scrubMarkSettled();
process.stdout.write('marked\n');
await store.close();
process.stdout.write('done\n');
