// Child process for key-file-durable.test.ts: writes or promotes one key file and, if asked, stops for
// good after a named step (the test then kills it with SIGKILL), so a crash there can be inspected.
import {
  createKeyFile,
  ensureKeyDirectory,
  dangerousTestOnlyKeyFileSteps,
  renameKeyFile,
  type KeyFileStep,
} from '../../../src/biometrics/protect/key-files.node.ts';

const [operation, from, to, pauseAt, keyHex] = process.argv.slice(2);
if (operation === undefined || from === undefined || to === undefined || keyHex === undefined)
  throw new Error('usage: directory|create|promote FROM TO PAUSE_AT|none KEY_HEX');

dangerousTestOnlyKeyFileSteps(async (step: KeyFileStep) => {
  process.stdout.write(`step ${step}\n`);
  if (step !== pauseAt) return;
  process.stdout.write('paused\n');
  // Held here until the test's SIGKILL.
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
});

if (operation === 'directory') {
  const made = await ensureKeyDirectory(to);
  if (!made.ok) throw new Error(made.error.message);
} else if (operation === 'create') {
  const created = await createKeyFile({
    path: to,
    kind: 'transform',
    key: Uint8Array.from(Buffer.from(keyHex, 'hex')),
  });
  if (!created.ok) throw new Error(created.error.message);
} else {
  await renameKeyFile({ from, to });
}
process.stdout.write('done\n');
