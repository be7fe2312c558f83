// A kiosk's challenge pool as IT writes it in kiosk.json: all five kinds unless named, never fewer than
// three (a recording performing one order would pass 1 in 2 with two), no kind twice or unknown.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskTuning } from '../../src/biometrics/face-session.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
import { challengeKinds } from '../../src/shared/challenge-kinds.ts';
import { kioskStatusSchema } from '../../src/shared/kiosk-api.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'facepay-config-kinds-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shop = {
  mode: 'shop',
  hubUrl: 'http://127.0.0.1:8787',
  hubToken: 'hub-token-0123456789abcdef',
  shopName: 'Chuo Konbini',
  keysDir: 'keys',
  kioskId: 'kio_1',
  operatorPin: '2580',
  payee: 'shop-1',
  tillToken: 'till-token-0123456789abcdef',
};

async function read(name: string, json: unknown) {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(json), { mode: 0o600 });
  return readKioskConfig(file);
}

describe('kiosk config: challengeKinds', () => {
  it('is all five kinds when the file does not name it', async () => {
    const config = await read('default.json', shop);
    expect(config.challengeKinds).toEqual([...challengeKinds]);
  });

  it('keeps the kinds a deployment names, in its order', async () => {
    const kinds = ['turn_left', 'turn_right', 'look_up', 'look_down'];
    const config = await read('four.json', { ...shop, challengeKinds: kinds });
    expect(config.challengeKinds).toEqual(kinds);
    // The face worker's tuning draws from exactly them.
    expect(kioskTuning(config.challengeKinds).challenge.pool).toEqual(kinds);
  });

  it('refuses fewer than three kinds, a kind twice and an unknown kind, naming the field', async () => {
    const refused = [
      ['turn_left', 'turn_right'],
      ['blink', 'blink', 'turn_left'],
      ['blink', 'turn_left', 'nod'],
      [],
    ];
    for (const [i, kinds] of refused.entries())
      await expect(read(`bad-${i}.json`, { ...shop, challengeKinds: kinds })).rejects.toThrow(
        /challengeKinds/,
      );
  });

  it('the worker refuses a pool below three even when a message skipped the config', () => {
    expect(() => kioskTuning(['turn_left', 'turn_right'])).toThrow(/3 or more different kinds/);
    expect(() => kioskTuning(['blink', 'blink', 'look_up'])).toThrow(/3 or more different kinds/);
  });

  it('the status the renderer reads carries the pool, and refuses one of two kinds', () => {
    const pool = kioskStatusSchema.shape.challengeKinds;
    expect(pool.parse(['blink', 'look_up', 'look_down'])).toEqual([
      'blink',
      'look_up',
      'look_down',
    ]);
    expect(pool.safeParse(['blink', 'look_up']).success).toBe(false);
  });
});
