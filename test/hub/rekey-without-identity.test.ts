// POST /v1/admin/rekey on a hub without identity (no calibration) is refused 503 and leaves no
// transform.key.next behind: such a file refuses every instance's re-key 409 until someone removes it.
//
// Found in review: the next key file was made before the identity check.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import { startTestHub, type TestHub } from './helpers.ts';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('a re-key on a hub without identity', () => {
  it('is 503 and leaves no next key file', async () => {
    t = await startTestHub({ calibrationFile: null });
    mkdirSync(join(t.dir, 'keys'), { recursive: true, mode: 0o700 });
    const answer = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('unavailable');
    expect(existsSync(transformKeyPaths(join(t.dir, 'keys')).next)).toBe(false);
  });
});
