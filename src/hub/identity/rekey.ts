// Renewal of the cancelable transform (ISO/IEC 24745 renewability): every stored template is moved to
// a new transform key without any face, in one transaction; the new key file replaces the old only after
// the commit, and a hub that stopped in between finishes the swap at start (the rows name their key id).
import { rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../../shared/assert.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../biometrics/protect/cancelable-transform.ts';
import {
  createKeyFile,
  hubKeyFileNames,
  readKeyFile,
} from '../../biometrics/protect/key-files.node.ts';
import { resealTemplate } from '../../biometrics/protect/reseal.ts';
import { sodium } from '../../biometrics/protect/sodium.ts';
import type { StoreTx, IdentityReader } from '../storage/port.ts';

export function transformKeyPaths(keysDir: string): { current: string; next: string } {
  const current = join(keysDir, hubKeyFileNames.transform);
  return { current, next: `${current}.next` };
}

/** Writes the next transform key (0600) before any row moves; returns it. */
export async function prepareNextTransformKey(keysDir: string): Promise<Uint8Array> {
  const { next } = transformKeyPaths(keysDir);
  if (existsSync(next))
    throw new Error(`${next} exists: a re-key is unfinished; restart the hub to finish it`);
  const key = sodium.randombytes_buf(32);
  const created = await createKeyFile({ path: next, kind: 'transform', key });
  if (!created.ok) throw new Error(created.error.message);
  return key;
}

/** Re-transforms and re-seals every template of the dimension inside the caller's transaction. */
export async function rekeyTemplates(options: {
  tx: StoreTx;
  dataKey: Uint8Array;
  fromKey: Uint8Array;
  toKey: Uint8Array;
  dimension: number;
}): Promise<number> {
  const { tx, dataKey, dimension } = options;
  const from = CancelableTransform.fromKey({ key: options.fromKey, dimension });
  const to = CancelableTransform.fromKey({ key: options.toKey, dimension });
  const rekeyer = from.rekeyerTo(to);
  let moved = 0;
  let after = '';
  try {
    for (;;) {
      const page = await tx.listTemplates(after, 500);
      if (page.length === 0) break;
      for (const row of page) {
        after = row.id;
        assert(
          row.transformKeyId === rekeyer.fromKeyId,
          `template ${row.id} is not under the current key`,
        );
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
        assert(resealed.ok, `template ${row.id} does not open`);
        await tx.replaceTemplateSeal(row.id, resealed.value, rekeyer.toKeyId);
        moved++;
      }
    }
  } finally {
    rekeyer.dispose();
    from.dispose();
    to.dispose();
  }
  return moved;
}

/** After the commit: the next key becomes the current one (atomic rename). */
export async function commitNextTransformKey(keysDir: string): Promise<void> {
  const { current, next } = transformKeyPaths(keysDir);
  await rename(next, current);
}

/**
 * At start: if the stored templates are under the `.next` key, the last re-key committed but did not
 * swap the files; finish it. If they are under the current key, a `.next` left over is discarded.
 */
export async function finishInterruptedRekey(
  keysDir: string,
  reader: IdentityReader,
): Promise<void> {
  const { current, next } = transformKeyPaths(keysDir);
  if (!existsSync(next)) return;
  const nextKey = await readKeyFile({ path: next, kind: 'transform' });
  if (!nextKey.ok) throw new Error(nextKey.error.message);
  const [first] = await reader.listTemplates('', 1);
  if (first !== undefined && first.transformKeyId === transformKeyId(nextKey.value)) {
    await rename(next, current);
  } else {
    await rename(next, `${next}.discarded-${Date.now()}`);
  }
}
