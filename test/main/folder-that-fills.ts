// A kiosk state folder the tests can fill (ENOSPC on every new write) at a chosen moment, for the
// full-disk cases of pending-holds.json: shared by the tests of a full folder and of a restart on one.
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { isPostTo } from './kiosk-test-hub.ts';

/**
 * `name`, a new folder in `work`, for pending-holds.json. `full(true)` fills it, for root too: the kiosk
 * writes a temp file first, and /dev/full refuses every write (ENOSPC); files already there (the journal
 * of settled payments) keep their blocks, as on a full disk. `network` passes everything to the hub,
 * counting hold requests (`counts.holdRequests`); with `counts.fillWhenAnswered` it fills the folder the
 * moment the hub has answered a hold request, before the kiosk reads the answer. `listed` is the file's
 * requests by reference.
 */
export function folderThatFills(work: string, name: string) {
  const state = path.join(work, name);
  mkdirSync(state, { mode: 0o700 });
  const file = path.join(state, 'pending-holds.json');
  const temp = `${file}.tmp`;
  const full = (on: boolean) => {
    if (on) symlinkSync('/dev/full', temp);
    else rmSync(temp, { force: true });
  };
  const counts = { holdRequests: 0, fillWhenAnswered: false };
  const network: typeof fetch = async (input, init) => {
    if (!isPostTo('/v1/holds', input, init)) return fetch(input, init);
    counts.holdRequests += 1;
    const answer = await fetch(input, init);
    if (counts.fillWhenAnswered) full(true);
    return answer;
  };
  const listed = () =>
    (JSON.parse(readFileSync(file, 'utf8')) as { sent: { request: { reference: string } } }[]).map(
      (entry) => entry.sent.request.reference,
    );
  return { file, full, counts, network, listed };
}
