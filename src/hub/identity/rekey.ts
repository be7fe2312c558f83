// Renewal of the cancelable transform (ISO/IEC 24745 renewability): every stored template is moved to
// a new transform key without any face, in one transaction; the new key file replaces the old only after
// the commit, and a hub that stopped in between finishes the swap at start (the audit log names the key).
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../../shared/assert.ts';
import {
  CancelableTransform,
  transformKeyId,
  type Rekeyer,
} from '../../biometrics/protect/cancelable-transform.ts';
import {
  createKeyFile,
  hubKeyFileNames,
  readKeyFile,
  removeKeyFile,
  renameKeyFile,
} from '../../biometrics/protect/key-files.node.ts';
import { resealTemplate } from '../../biometrics/protect/reseal.ts';
import { sealedTemplateDimension } from '../../biometrics/protect/template-seal.ts';
import { sodium } from '../../biometrics/protect/sodium.ts';
import type { StoreTx, IdentityReader } from '../storage/port.ts';
import { HubError, refuse } from '../errors.ts';

export function transformKeyPaths(keysDir: string): { current: string; next: string } {
  const current = join(keysDir, hubKeyFileNames.transform);
  return { current, next: `${current}.next` };
}

/** The refusal of a re-key while another one holds the next key file (it is left as it is). */
function rekeyUnfinished(): HubError {
  return new HubError(
    'rekey_unfinished',
    'another re-key is running, or one whose commit was not confirmed waits for a restart of the hub ' +
      '(keys/transform.key.next exists); nothing changed',
  );
}

/**
 * A new transform key for a re-key, not yet in any file (writeNextTransformKey writes it). Refused
 * `409 rekey_unfinished` at once while a next key file is there (another re-key, or one whose commit was
 * not confirmed), so that such a re-key does not wait for the lock only to be refused.
 */
export function newTransformKey(keysDir: string): Uint8Array {
  if (existsSync(transformKeyPaths(keysDir).next)) throw rekeyUnfinished();
  return sodium.randombytes_buf(32);
}

/**
 * Inside the re-key's transaction, once it holds the re-key lock, before any row moves: writes the next
 * transform key file (0600). A start settles the next key file under the same lock, so it never finds
 * this one before the transaction ends (made before the lock, a start in that instant could set it
 * aside). The file is made exclusively: one left by another re-key (an unconfirmed commit waiting for a
 * restart) refuses this one `409 rekey_unfinished` without touching it.
 */
export async function writeNextTransformKey(keysDir: string, key: Uint8Array): Promise<void> {
  const created = await createKeyFile({
    path: transformKeyPaths(keysDir).next,
    kind: 'transform',
    key,
  });
  if (!created.ok) {
    if (created.error.code === 'key_file_exists') throw rekeyUnfinished();
    throw new Error(created.error.message);
  }
}

/**
 * Re-transforms and re-seals every stored template inside the caller's transaction, each at its own
 * dimension: rows of another model than the calibrated one (enrolled before a model change) move to the
 * new key too, or the old key's file, replaced after the commit, would be the only way to open them.
 * A row's dimension is read from its sealed length, which the seal authenticates.
 */
export async function rekeyTemplates(options: {
  tx: StoreTx;
  dataKey: Uint8Array;
  fromKey: Uint8Array;
  toKey: Uint8Array;
}): Promise<number> {
  const { tx, dataKey } = options;
  const fromKeyId = transformKeyId(options.fromKey);
  // One rekeyer per dimension met (a matrix each), made when first needed.
  const rekeyers = new Map<number, Rekeyer>();
  const rekeyerFor = (dimension: number): Rekeyer => {
    const made = rekeyers.get(dimension);
    if (made !== undefined) return made;
    const from = CancelableTransform.fromKey({ key: options.fromKey, dimension });
    const to = CancelableTransform.fromKey({ key: options.toKey, dimension });
    try {
      const rekeyer = from.rekeyerTo(to);
      rekeyers.set(dimension, rekeyer);
      return rekeyer;
    } finally {
      from.dispose();
      to.dispose();
    }
  };
  let moved = 0;
  let after = '';
  try {
    for (;;) {
      const page = await tx.listTemplates(after, 500);
      if (page.length === 0) break;
      for (const row of page) {
        after = row.id;
        assert(row.transformKeyId === fromKeyId, `template ${row.id} is not under the current key`);
        const dimension = sealedTemplateDimension(row.sealed);
        assert(dimension !== undefined, `template ${row.id} has no template's length`);
        const rekeyer = rekeyerFor(dimension);
        const binding = {
          personId: row.personId,
          templateId: row.id,
          modelId: row.modelId,
          transformKeyId: row.transformKeyId,
        };
        const resealed = resealTemplate({
          sealed: row.sealed,
          binding,
          dimension,
          fromDataKey: dataKey,
          toDataKey: dataKey,
          rekeyer,
        });
        // Named by its ids and the seal's verdict only: nothing of the template's bytes is told.
        if (!resealed.ok)
          refuse(
            'template_unreadable',
            `template ${row.id} (person ${row.personId}) does not open: ${resealed.error.code}; nothing was re-keyed`,
          );
        await tx.replaceTemplateSeal(row.id, resealed.value, rekeyer.toKeyId);
        moved++;
      }
    }
  } finally {
    for (const rekeyer of rekeyers.values()) rekeyer.dispose();
  }
  return moved;
}

/** The key id of the transform key file at `path`; undefined when there is none. */
async function keyIdOfFile(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  const read = await readKeyFile({ path, kind: 'transform' });
  // Gone since the look (renamed or removed by another instance): no key there.
  if (!read.ok && read.error.code === 'key_file_missing') return undefined;
  if (!read.ok) throw new Error(read.error.message);
  try {
    return transformKeyId(read.value);
  } finally {
    sodium.memzero(read.value);
  }
}

/** The transform key in the file at `path`; undefined when there is none or it does not read. */
export async function readTransformKeyFile(path: string): Promise<Uint8Array | undefined> {
  try {
    const read = await readKeyFile({ path, kind: 'transform' });
    return read.ok ? read.value : undefined;
  } catch (error) {
    // Renamed away between a look and the read (another instance promoting its next key): no key here.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The re-key lock (HubStore.runExclusive('rekey')): runs `fn` unless another instance holds it (a start
 * settling the next key file, or a re-key's open transaction); answers undefined when it did not run.
 */
export type RekeyLock = <T>(fn: () => Promise<T>) => Promise<T | undefined>;

/**
 * How long the commit and the discard keep trying for the re-key lock. Another instance's re-key queued
 * beside this one takes the lock as soon as this transaction ends, only to be refused (this re-key's file
 * is there) and let it go; a start settling the files holds it as briefly. Past it, the files are left.
 */
const rekeyLockTryMs = 1_000;

async function soonUnderLock(lock: RekeyLock, fn: () => Promise<true>): Promise<true | undefined> {
  const deadline = performance.now() + rekeyLockTryMs;
  for (;;) {
    const done = await lock(fn);
    if (done !== undefined || performance.now() >= deadline) return done;
    await sleep(25);
  }
}

/**
 * After the commit: the next key becomes the current one (atomic rename), under the re-key lock and only
 * while the next key file holds this re-key's key (`keyId`). An instance that started between the commit
 * and the lock may have promoted it already (it read the committed re-key), and another instance's newer
 * re-key may then have made a next key file of its own: that file is not this re-key's to rename. While
 * another instance holds the lock past rekeyLockTryMs, the files are left to it (a start promotes the
 * committed key).
 */
export async function commitNextTransformKey(
  keysDir: string,
  keyId: string,
  lock: RekeyLock,
): Promise<void> {
  const { current, next } = transformKeyPaths(keysDir);
  const settled = await soonUnderLock(lock, async () => {
    if ((await keyIdOfFile(next)) === keyId) {
      await renameKeyFile({ from: next, to: current });
      return true;
    }
    if ((await keyIdOfFile(current)) !== keyId)
      throw new Error(`rekey: committed key ${keyId} is in neither ${current} nor ${next}`);
    return true;
  });
  if (settled === undefined)
    process.stderr.write(
      'rekey: another instance holds the re-key lock; the committed next key file is left to it\n',
    );
}

/**
 * After a re-key whose job failed before its commit was sent (a row that does not open, the
 * multi-instance 'unavailable' refusal): nothing of it is stored, so the next key file goes and the next
 * re-key can start without a restart. Never after a failure at or after the commit (a lost connection,
 * an unknown outcome): the server may have committed, or still be committing, so the rows may need that
 * file; it stays for the start to settle (finishInterruptedRekey reads the rows' key). Only a file
 * holding this re-key's key (`keyId`) goes, read and removed under the re-key lock: a start may have set
 * it aside and another instance's newer re-key made one since. While another instance holds the lock the
 * file stays (a start sets it aside).
 */
export async function discardNextTransformKey(
  keysDir: string,
  keyId: string,
  lock: RekeyLock,
): Promise<void> {
  const { next } = transformKeyPaths(keysDir);
  const settled = await soonUnderLock(lock, async () => {
    if ((await keyIdOfFile(next)) === keyId) await removeKeyFile(next);
    return true;
  });
  if (settled === undefined)
    process.stderr.write(
      "rekey: another instance holds the re-key lock; the failed re-key's next key file stays\n",
    );
}

/**
 * At start: if the last re-key the audit log holds (written in the re-key's own transaction) is to the
 * `.next` key, that re-key committed but did not swap the files; finish it. Otherwise it never committed
 * and the `.next` left over is set aside. The audit log decides even with no template stored, where the
 * rows cannot tell (a re-key of an empty gallery still makes the key the one writes are checked under).
 * The caller runs it under runExclusive('rekey'): a re-key whose transaction is still open on another
 * instance holds that lock, and its file is not this start's to settle.
 */
export async function finishInterruptedRekey(
  keysDir: string,
  reader: IdentityReader,
): Promise<void> {
  const { current, next } = transformKeyPaths(keysDir);
  const nextKeyId = await keyIdOfFile(next);
  if (nextKeyId === undefined) return;
  const [first] = await reader.listTemplates('', 1);
  const committed =
    (await reader.latestRekeyedKeyId()) === nextKeyId || first?.transformKeyId === nextKeyId;
  if (committed) {
    await renameKeyFile({ from: next, to: current });
    process.stderr.write(`rekey: the last re-key committed; ${current} replaced at start\n`);
  } else {
    const aside = `${next}.discarded-${Date.now()}`;
    await renameKeyFile({ from: next, to: aside });
    process.stderr.write(
      `rekey: the last re-key did not commit; its next key set aside as ${aside}\n`,
    );
  }
}
