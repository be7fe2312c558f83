// A child process for state-file-short-write.test.ts: writes a state file of a little over `bytes` bytes
// with writeStateFile (the test runs it under a file-size limit) and prints what happened on one line.
import { writeStateFile } from '../../src/main/state-file.ts';

const [file, bytes] = process.argv.slice(2);
if (file === undefined || bytes === undefined)
  throw new Error('usage: state-file-writer FILE BYTES');
try {
  writeStateFile(file, { filler: 'x'.repeat(Number(bytes)) });
  console.log('written');
} catch (error) {
  console.log(`threw ${String((error as NodeJS.ErrnoException).code)}`);
}
