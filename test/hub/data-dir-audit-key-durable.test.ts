// The hub's audit key is written as key files are (temporary file synced, linked, directory synced): a
// hub killed at any step of its first start leaves no audit.key or the whole key, 0600, and the next
// start zeroes and removes the temporary file such a kill leaves behind.
import {
  closeSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataDir } from '../../src/hub/data-dir.ts';
import { scratchDir } from './helpers.ts';
import { dataDirKilledAt as killedAt } from './data-dir-killed-at.ts';

function keysIn(root: string): string[] {
  return readdirSync(join(root, 'keys')).sort();
}

describe('the audit key on a crash', () => {
  it('killed after the temporary file is synced: no audit.key; the next start writes a whole one', async () => {
    const root = join(scratchDir('facepay-audit-key-'), 'data');
    const steps = await killedAt(root, 'temporary_synced');
    expect(steps).toEqual([`step temporary_synced ${join(root, 'keys', 'audit.key')}`]);
    const left = keysIn(root);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^audit\.key\.[0-9a-f]{16}\.tmp$/);
    const temporary = join(root, 'keys', left[0] ?? '');
    // The whole key, synced, is in the temporary file: it must not stay there.
    expect(readFileSync(temporary)).toHaveLength(32);
    // A write under way in another instance takes milliseconds; this one is a crash's (two minutes old).
    const old = new Date(Date.now() - 120_000);
    utimesSync(temporary, old, old);
    // An open descriptor on the same file (not a second name, which would make it a key's own name to
    // the clean-up) shows what its bytes became before the removal.
    const witness = openSync(temporary, 'r');
    const dir = await openDataDir(root, { create: true });
    expect(keysIn(root)).toEqual(['audit.key']);
    const bytes = Buffer.alloc(32, 0xff);
    try {
      expect(readSync(witness, bytes, 0, 32, 0)).toBe(32);
    } finally {
      closeSync(witness);
    }
    expect(bytes).toEqual(Buffer.alloc(32));
    const path = join(root, 'keys', 'audit.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(dir.auditKey).equals(readFileSync(path))).toBe(true);
    expect(dir.auditKey).toHaveLength(32);
  });

  it('killed once linked or synced: the whole key, 0600, which the next start keeps', async () => {
    for (const step of ['linked', 'directory_synced'] as const) {
      const root = join(scratchDir('facepay-audit-key-'), 'data');
      await killedAt(root, step);
      const path = join(root, 'keys', 'audit.key');
      const written = readFileSync(path);
      expect(written).toHaveLength(32);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const dir = await openDataDir(root, { create: true });
      expect(Buffer.from(dir.auditKey).equals(written)).toBe(true);
    }
  });

  it('a fresh temporary file (a write under way elsewhere) is left alone', async () => {
    const root = join(scratchDir('facepay-audit-key-'), 'data');
    await killedAt(root, 'temporary_synced');
    const [temporary] = keysIn(root);
    await openDataDir(root, { create: true });
    expect(keysIn(root)).toEqual(['audit.key', temporary]);
  });
});
