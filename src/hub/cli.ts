// `npm run hub -- --port <port> --data <dir> [--host <host>] [--database-url postgres://…]`: starts
// the hub and prints the line clients wait for; SIGTERM/SIGINT stop it after in-flight requests finish.
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { readCommandLine, portArgument, usageError } from '../shared/command-line.ts';
import { startHub } from './hub.ts';
import { DataDirError } from './data-dir.ts';
import { databaseUrlFromCommandLine } from './database-url-arg.ts';
import { isPinFailureCap } from './identity/identity.ts';
import { pinFailuresPerDayPerClientMax } from '../shared/limits.ts';

const usage =
  'usage: npm run hub -- --port <port> --data <dir> [--host <host>] [--database-url <postgres://…>] [--allow-unattested]\n' +
  '                     [--no-group-commit] [--synchronous FULL|NORMAL]';
const { values } = readCommandLine(usage, () =>
  parseArgs({
    strict: true,
    options: {
      port: { type: 'string', default: '0' },
      data: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-group-commit': { type: 'boolean', default: false },
      synchronous: { type: 'string', default: 'FULL' },
      'allow-unattested': { type: 'boolean', default: false },
      'database-url': { type: 'string' },
    },
  }),
);

if (values.data === undefined) usageError(usage, 'missing --data');
const port = portArgument(usage, '--port', values.port);
if (values.synchronous !== 'FULL' && values.synchronous !== 'NORMAL') {
  process.stderr.write('--synchronous is FULL or NORMAL\n');
  process.exit(2);
}
/** A whole-number setting from the environment: undefined when unset; otherwise why not and exit 2. */
function wholeNumberSetting(
  name: string,
  accepts: (value: number) => boolean,
  says: string,
): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (Number.isSafeInteger(value) && accepts(value)) return value;
  process.stderr.write(`${name} is ${says}\n`);
  process.exit(2);
}
// SQLite tuning: the WAL size (bytes) from which checkpoints copy it back (default 4 MiB).
const walCheckpointBytesMin = wholeNumberSetting(
  'FACEPAY_WAL_CHECKPOINT_BYTES',
  (bytes) => bytes >= 0,
  'a whole number of bytes',
);
// The product owner's setting: wrong PINs one till may send in 24 hours (1 to 50, default 50).
const pinFailuresPerDayPerClient = wholeNumberSetting(
  'FACEPAY_PIN_FAILURES_PER_DAY_PER_CLIENT',
  isPinFailureCap,
  `a whole number from 1 to ${pinFailuresPerDayPerClientMax}`,
);
// PostgreSQL when named (flag first, then FACEPAY_DATABASE_URL); SQLite in --data otherwise.
const databaseUrl = databaseUrlFromCommandLine(values['database-url']);
const adminToken = process.env['FACEPAY_ADMIN_TOKEN'];
if (adminToken !== undefined && adminToken.length < 16) {
  process.stderr.write(
    'warning: FACEPAY_ADMIN_TOKEN is shorter than 16 characters; use a long random token\n',
  );
}

if (values['allow-unattested']) {
  process.stderr.write(
    [
      '',
      "*** WARNING: --allow-unattested: identify accepts a client's own word that the face was live,",
      "*** without a registered kiosk's attestation. For demo data and tests only; never in production.",
      '',
    ].join('\n'),
  );
}

const hub = await startHub({
  dataDir: values.data,
  host: values.host,
  port,
  groupCommit: !values['no-group-commit'],
  synchronous: values.synchronous,
  allowUnattested: values['allow-unattested'],
  ...(walCheckpointBytesMin === undefined ? {} : { walCheckpointBytesMin }),
  ...(pinFailuresPerDayPerClient === undefined ? {} : { pinFailuresPerDayPerClient }),
  ...(databaseUrl === undefined ? {} : { databaseUrl }),
  ...(adminToken === undefined || adminToken === '' ? {} : { adminToken }),
}).catch((error: unknown) => {
  // The operator's mistake (an open data directory) is a sentence and an exit code, not a stack.
  if (!(error instanceof DataDirError)) throw error;
  process.stderr.write(`hub: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write(`hub listening on ${hub.url}\n`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`hub stopping on ${signal}\n`);
  await hub.close();
  // bench:hub's window onto group commit: how many jobs each transaction carried, and for how long.
  const statsFile = process.env['FACEPAY_WRITE_STATS_FILE'];
  if (statsFile !== undefined && statsFile !== '') {
    writeFileSync(statsFile, JSON.stringify(hub.store.writeStats()));
  }
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
