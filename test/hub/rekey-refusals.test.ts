// POST /v1/admin/rekey refused on purpose: a second re-key while one runs is `409 rekey_unfinished` and
// leaves the first alone (it commits, its key file becomes the key, the hub identifies and re-keys again);
// a stored template that does not open is `500 template_unreadable`, named by ids on one stderr line,
// nothing of the template told.
//
// Found in review: the second re-key threw a plain Error ("restart the hub"), answered `500 internal`;
// a template that did not open was an assertion: `500 internal error` and a stack on stderr.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeyFile, readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sealProbe } from '../../src/biometrics/protect/probe-seal.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import { openRawDb, syntheticFace, testFaceModelId, type TestHub } from './helpers.ts';
import {
  b64,
  enrolTestPerson,
  startIdentityHub,
  type IdentityTestHub,
} from './identity-helpers.ts';

let ctx: IdentityTestHub;
let stderr: string[];

beforeEach(async () => {
  ctx = await startIdentityHub();
  stderr = [];
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest) => {
    stderr.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await ctx.t.stop();
});

async function transformKey(t: TestHub): Promise<Uint8Array> {
  const read = await readKeyFile({
    path: transformKeyPaths(join(t.dir, 'keys')).current,
    kind: 'transform',
  });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

function sealedUnder(t: TestHub, key: Uint8Array, face: Float32Array): string {
  const protect = CancelableTransform.fromKey({ key, dimension: face.length });
  try {
    return b64(
      sealProbe({
        hubPublicKey: ctx.hubKey,
        template: protect.apply(face),
        modelId: testFaceModelId,
        nowMs: t.clock.now(),
        transformKeyId: transformKeyId(key),
      }),
    );
  } finally {
    protect.dispose();
  }
}

async function identify(t: TestHub, face: Float32Array, key: Uint8Array) {
  return t.call('POST', '/v1/identify', {
    token: ctx.till,
    body: {
      modelId: testFaceModelId,
      sealedProbe: sealedUnder(t, key, face),
      liveness: { passed: true, score: 0.97 },
      payee: 'shop',
      amount: 1_000,
    },
  });
}

function keyFilesLeft(t: TestHub): string[] {
  return readdirSync(join(t.dir, 'keys')).filter((name) => name.startsWith('transform.key.'));
}

async function enrolWithFace(accountId: string, face: Float32Array) {
  const { t, hubKey, enroller } = ctx;
  const key = await transformKey(t);
  return enrolTestPerson(t, hubKey, {
    enroller,
    accountId,
    sealedTemplate: () => sealedUnder(t, key, syntheticFace(face)),
  });
}

describe('two re-keys at once', () => {
  it('the second is refused 409 rekey_unfinished; the first commits and the hub stays usable', async () => {
    const { t } = ctx;
    const face = syntheticFace();
    const alice = await enrolWithFace('alice', face);
    const oldKeyId = transformKeyId(await transformKey(t));

    const both = await Promise.all([
      t.call('POST', '/v1/admin/rekey', { body: {} }),
      t.call('POST', '/v1/admin/rekey', { body: {} }),
    ]);
    const done = both.find((answer) => answer.status === 200);
    const refused = both.find((answer) => answer.status !== 200);
    expect(done?.body.templates).toBe(2);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'rekey_unfinished' } } });
    expect(stderr.join('')).not.toMatch(/hub error:/);

    // The first one's key is the key now, every row is under it, and no next key file is left.
    const newKey = await transformKey(t);
    expect(transformKeyId(newKey)).toBe(done?.body.transformKeyId);
    expect(transformKeyId(newKey)).not.toBe(oldKeyId);
    expect(keyFilesLeft(t)).toEqual([]);
    const rows = await t.hub.store.reader.listTemplates('', 100);
    expect(rows.map((row) => row.transformKeyId)).toEqual([
      transformKeyId(newKey),
      transformKeyId(newKey),
    ]);
    const matched = await identify(t, syntheticFace(face), newKey);
    expect(matched.status).toBe(200);
    expect(matched.body.match.personId).toBe(alice.id);

    // A re-key afterwards runs.
    const again = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(again.status).toBe(200);
    expect(keyFilesLeft(t)).toEqual([]);
  });
});

describe('a next key file already there', () => {
  it('(another instance re-keying, or an unconfirmed commit) is 409 rekey_unfinished and left as it is', async () => {
    const { t } = ctx;
    const face = syntheticFace();
    const alice = await enrolWithFace('alice', face);
    const key = await transformKey(t);
    const { next } = transformKeyPaths(join(t.dir, 'keys'));
    const held = await createKeyFile({ path: next, kind: 'transform', key: randomBytes(32) });
    expect(held.ok).toBe(true);
    const before = readFileSync(next);

    const refused = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'rekey_unfinished' } } });
    expect(readFileSync(next).equals(before)).toBe(true);
    expect(transformKeyId(await transformKey(t))).toBe(transformKeyId(key));
    const matched = await identify(t, syntheticFace(face), key);
    expect(matched.body.match.personId).toBe(alice.id);
    expect(stderr.join('')).not.toMatch(/hub error:/);
  });
});

describe('a stored template that does not open', () => {
  it('is 500 template_unreadable naming its ids, told on one line; nothing moves', async () => {
    const { t } = ctx;
    const alice = await enrolWithFace('alice', syntheticFace());
    const oldKeyId = transformKeyId(await transformKey(t));
    const db = await openRawDb(t.dir);
    let damagedId: string;
    try {
      const row = await db.get<{ id: string; sealed: Uint8Array }>(
        'SELECT id, sealed FROM templates ORDER BY id LIMIT 1',
      );
      if (row === undefined) throw new Error('no template stored');
      damagedId = row.id;
      const damaged = Buffer.from(row.sealed);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
      expect(await db.run('UPDATE templates SET sealed = ? WHERE id = ?', damaged, row.id)).toBe(1);
    } finally {
      await db.close();
    }

    const failed = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(failed).toMatchObject({
      status: 500,
      body: { error: { code: 'template_unreadable' } },
    });
    expect(failed.body.error.message).toContain(damagedId);
    expect(failed.body.error.message).toContain(alice.id);
    const told = stderr.join('');
    expect(told).toContain(`rekey: nothing moved: template ${damagedId} (person ${alice.id})`);
    expect(told).not.toMatch(/hub error:|AssertionError/);
    expect(transformKeyId(await transformKey(t))).toBe(oldKeyId);
    expect(keyFilesLeft(t)).toEqual([]);
  });
});
