// Prints the Argon2id verifier of an enrolment officer's PIN for the station's kiosk.json
// ("enrolment": {"officers": [{"id", "pinVerifier"}]}); the PIN itself is never written anywhere.
// npm run kiosk:officer -- --id o-tanaka < pin.txt     (the PIN on stdin, so it stays out of the shell history)
import { parseArgs } from 'node:util';
import { text } from 'node:stream/consumers';
import { officerIdPattern, officerPinVerifier } from '../src/main/officers.ts';
import { readCommandLine, usageError } from '../src/shared/command-line.ts';

const usage = 'usage: npm run kiosk:officer -- --id OFFICER_ID < pin.txt';
const { values } = readCommandLine(usage, () =>
  parseArgs({ strict: true, options: { id: { type: 'string' } } }),
);
const id = values.id ?? '';
if (!officerIdPattern.test(id)) usageError(usage, `--id must match ${String(officerIdPattern)}`);
const pin = (await text(process.stdin)).trim();
if (!/^[0-9]{4,12}$/.test(pin)) {
  process.stderr.write('the PIN on stdin must be 4 to 12 digits\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ id, pinVerifier: officerPinVerifier(pin) })}\n`);
