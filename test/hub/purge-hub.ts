// A hub process whose idempotency purge runs every FACEPAY_TEST_PURGE_MS instead of hourly, for
// test/hub/stored-responses-purge-fault.test.ts: `node purge-hub.ts <data dir>`, PostgreSQL when
// FACEPAY_DATABASE_URL names one. Prints the hub command's line; SIGTERM stops it.
import { startHub } from '../../src/hub/hub.ts';

const dataDir = process.argv[2];
const purgeMs = Number(process.env['FACEPAY_TEST_PURGE_MS']);
const databaseUrl = process.env['FACEPAY_DATABASE_URL'];
const adminToken = process.env['FACEPAY_ADMIN_TOKEN'];
if (dataDir === undefined || !Number.isSafeInteger(purgeMs) || adminToken === undefined) {
  process.stderr.write(
    'usage: FACEPAY_TEST_PURGE_MS=<ms> FACEPAY_ADMIN_TOKEN=… purge-hub.ts <dir>\n',
  );
  process.exit(2);
}
const hub = await startHub({
  dataDir,
  adminToken,
  calibrationFile: null,
  storedResponsesPurgeIntervalMs: purgeMs,
  ...(databaseUrl === undefined || databaseUrl === '' ? {} : { databaseUrl }),
});
process.stdout.write(`hub listening on ${hub.url}\n`);
process.on('SIGTERM', () => void hub.close().then(() => process.exit(0)));
