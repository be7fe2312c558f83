// A committed re-key leaves the previous transform key in no buffer: once the rows and the gallery are
// under the next key, the hub's copy of the old key is overwritten with zeros, and identity goes on.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { syntheticFace as face } from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';

/** The transform key buffer the identity service holds (private: read here to see it zeroed). */
function heldKey(identity: unknown): Uint8Array {
  return (identity as { transformKey: Uint8Array }).transformKey;
}

describe('a committed re-key', () => {
  it('zeroes the previous transform key; the gallery is under the next one', async () => {
    const { t, hubKey, enroller } = await startIdentityHub();
    try {
      const alice = face();
      await enrolTestPerson(t, hubKey, {
        enroller,
        accountId: 'alice',
        sealedTemplate: () => sealedProbe(t, hubKey, face(alice)),
      });
      const identity = t.hub.identity;
      const before = heldKey(identity);
      const beforeId = transformKeyId(before);
      const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
      expect(rekeyed.status).toBe(200);
      expect(rekeyed.body.transformKeyId).not.toBe(beforeId);
      expect(before).toEqual(new Uint8Array(before.length));
      const after = heldKey(identity);
      expect(transformKeyId(after)).toBe(rekeyed.body.transformKeyId);
      expect(identity?.gallery.personCount).toBe(1);
    } finally {
      await t.hub.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});
