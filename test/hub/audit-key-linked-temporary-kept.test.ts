// A hub killed between linking its new audit key and unlinking the temporary name leaves that temporary
// as a second name of audit.key itself: the next start's clean-up must drop the name, never zero the key.
import { readFileSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDataDir } from '../../src/hub/data-dir.ts';
import { scratchDir } from './helpers.ts';
import { dataDirKilledAt } from './data-dir-killed-at.ts';

it('an old temporary that is also audit.key loses its name at the next start; the key keeps its bytes', async () => {
  const root = join(scratchDir('facepay-audit-key-linked-'), 'data');
  await dataDirKilledAt(root, 'linked');
  const keys = join(root, 'keys');
  const names = readdirSync(keys).sort();
  expect(names).toHaveLength(2);
  const temporary = names.find((name) => name.endsWith('.tmp'));
  expect(temporary).toMatch(/^audit\.key\.[0-9a-f]{16}\.tmp$/);
  const key = readFileSync(join(keys, 'audit.key'));
  expect(key).toHaveLength(32);
  expect(key.equals(Buffer.alloc(32))).toBe(false);
  // Old enough for the clean-up (a crash's, not a write under way elsewhere).
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(keys, temporary ?? ''), old, old);
  const dir = await openDataDir(root, { create: true });
  expect(readdirSync(keys)).toEqual(['audit.key']);
  expect(readFileSync(join(keys, 'audit.key')).equals(key)).toBe(true);
  expect(Buffer.from(dir.auditKey).equals(key)).toBe(true);
});
