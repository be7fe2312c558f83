// An instance following another's re-key reads transform.key (and .next) while the other renames them.
// Found in review: readKeyFile looked at the name (lstat) and then read it by name; a rename between the
// two threw ENOENT, the follow failed, and the instance answered 503 on identify until restarted. A key
// file read races a rename to the whole key or to no key, never to an error.
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { readTransformKeyFile } from '../../src/hub/identity/rekey.ts';

let dir: string;
beforeEach(async () => {
  await sodium.ready;
  dir = await mkdtemp(join(tmpdir(), 'facepay-key-race-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a read of a key file being renamed away and back gives the key or none, never an error', async () => {
  const key = sodium.randombytes_buf(32);
  const path = join(dir, 'transform.key');
  const aside = join(dir, 'transform.key.next');
  expect((await createKeyFile({ path, kind: 'transform', key })).ok).toBe(true);
  let renaming = true;
  const renames = (async () => {
    while (renaming) {
      await rename(path, aside);
      await rename(aside, path);
    }
  })();
  const outcomes = { key: 0, none: 0 };
  try {
    for (let i = 0; i < 4000; i++) {
      const read = await readTransformKeyFile(path);
      if (read === undefined) outcomes.none++;
      else {
        expect(sodium.to_hex(read)).toBe(sodium.to_hex(key));
        outcomes.key++;
      }
    }
  } finally {
    renaming = false;
    await renames;
  }
  console.log(`reads racing renames: ${JSON.stringify(outcomes)}`);
  expect(outcomes.key).toBeGreaterThan(0);
});
