// enrolFromVideo as a script, so a test can run it in a node process whose clock is its hub's (clock-ahead.ts
// via runScriptOnClock): the station signs its enrolment with Date.now, which a hub ahead would refuse as old.
// `--options JSON` (enrolFromVideo's options) `--out FILE`: writes the Enrolled as JSON to FILE.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { enrolFromVideo } from '../../../scripts/kiosk/deployment.ts';

const { values } = parseArgs({
  options: { options: { type: 'string' }, out: { type: 'string' } },
});
if (values.options === undefined || values.out === undefined) {
  process.stderr.write('usage: enrol-from-video-script.ts --options JSON --out FILE\n');
  process.exit(2);
}
const { enrolled } = await enrolFromVideo(
  JSON.parse(values.options) as Parameters<typeof enrolFromVideo>[0],
);
await writeFile(values.out, JSON.stringify(enrolled));
