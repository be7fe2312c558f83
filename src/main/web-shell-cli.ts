// `npm run kiosk -- --config FILE [--hub URL] [--port N] [--renderer DIR]`: starts the web shell and
// prints `kiosk listening on http://127.0.0.1:PORT`; SIGINT/SIGTERM stop it cleanly.
import { parseArgs } from 'node:util';
import { AssertionError } from '../shared/assert.ts';
import { readCommandLine, portArgument, urlArgument, usageError } from '../shared/command-line.ts';
import { hubAtStartWords } from './hub-at-start.ts';
import { hubUrlProblem } from '../shared/hub-url.ts';
import { readKioskConfig } from './kiosk-config.ts';
import { startWebShell } from './web-shell.ts';

const usage = 'usage: npm run kiosk -- --config FILE [--hub URL] [--port N] [--renderer DIR]';
const { values } = readCommandLine(usage, () =>
  parseArgs({
    strict: true,
    options: {
      config: { type: 'string' },
      hub: { type: 'string' },
      port: { type: 'string', default: '8790' },
      renderer: { type: 'string' },
    },
  }),
);
if (values.config === undefined) usageError(usage, 'missing --config');
const port = portArgument(usage, '--port', values.port);
if (values.hub !== undefined) {
  urlArgument(usage, '--hub', values.hub);
  const problem = hubUrlProblem(values.hub);
  if (problem !== null) usageError(usage, `--hub: ${problem}`);
}
const shell = await readKioskConfig(values.config)
  .then((config) =>
    startWebShell({
      config: values.hub === undefined ? config : { ...config, hubUrl: values.hub },
      port,
      ...(values.renderer === undefined ? {} : { rendererDir: values.renderer }),
    }),
  )
  .catch((error: unknown) => {
    // What stops a start (a config, a key or state file, a port) is a sentence for the person at the
    // kiosk and exit 1, as the Electron shell says it; a programmer's assertion keeps its stack.
    if (!(error instanceof Error) || error instanceof AssertionError) throw error;
    process.stderr.write(`kiosk: ${error.message}\n`);
    process.exit(1);
  });
// The stop handlers before the ready line: a supervisor may stop the kiosk the moment it says it listens.
const stop = () => void shell.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Its first round has asked the hub: a kiosk the hub refuses (revoked, unknown) says so now, not at a payment.
const hubWords = hubAtStartWords(shell.runtime.config, shell.runtime.service.status());
if (hubWords !== null) process.stderr.write(`kiosk: ${hubWords}\n`);
process.stdout.write(`kiosk listening on ${shell.url}\n`);
