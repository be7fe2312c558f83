// Child process for data-dir-audit-key-durable.test.ts: opens (creating) a hub data directory and, if
// asked, stops for good after a named key file step (the test then SIGKILLs it), so a crash is inspected.
import {
  dangerousTestOnlyKeyFileSteps,
  type KeyFileStep,
} from '../../src/biometrics/protect/key-files.node.ts';
import { openDataDir } from '../../src/hub/data-dir.ts';

const [root, pauseAt] = process.argv.slice(2);
if (root === undefined || pauseAt === undefined) throw new Error('usage: ROOT PAUSE_AT|none');

dangerousTestOnlyKeyFileSteps(async (step: KeyFileStep, path: string) => {
  process.stdout.write(`step ${step} ${path}\n`);
  if (step !== pauseAt) return;
  process.stdout.write('paused\n');
  // Held here until the test's SIGKILL.
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
});

await openDataDir(root, { create: true });
process.stdout.write('done\n');
