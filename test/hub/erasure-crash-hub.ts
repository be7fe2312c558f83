// Child process for erasure-scrub-after-crash.test.ts: the hub on a test's data dir, with the fault
// point between an erasure's commit and its scrub set to SIGKILL this process (the one holding the data).
import { ManualClock } from '../../src/hub/clock.ts';
import { startHub } from '../../src/hub/hub.ts';
import { dangerousTestOnlyAfterErasureCommit } from '../../src/hub/storage/sqlite/sqlite-store.ts';

const [dataDir, calibrationFile, adminToken, clockMs] = process.argv.slice(2);
if (dataDir === undefined || calibrationFile === undefined || adminToken === undefined)
  throw new Error('usage: DATA_DIR CALIBRATION_FILE ADMIN_TOKEN CLOCK_MS');

dangerousTestOnlyAfterErasureCommit(() => process.kill(process.pid, 'SIGKILL'));
const hub = await startHub({
  dataDir,
  calibrationFile,
  adminToken,
  clock: new ManualClock(Number(clockMs)),
  sweeper: false,
  allowUnattested: true,
  stepUpAmount: 30_000,
  port: 0,
});
process.stdout.write(`hub listening on ${hub.url}\n`);
