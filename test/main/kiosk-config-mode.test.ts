// kiosk.json holds the hub's and the till's bearer tokens and the operator PIN: the kiosk refuses to start
// on one that group or others may read or write, as it refuses a keys folder others can enter.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'facepay-config-mode-'));
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

it.each(['644', '640', '604', '620', '660'])(
  'refuses a config of mode 0%s and says how to fix it',
  async (octal) => {
    const mode = parseInt(octal, 8);
    const file = path.join(dir, `kiosk-${octal}.json`);
    await writeFile(file, JSON.stringify(shop));
    await chmod(file, mode);
    const refused = readKioskConfig(file);
    await expect(refused).rejects.toThrow(/must be mode 0600/);
    await expect(refused).rejects.toThrow(`chmod 600 ${file}`);
  },
);

it('reads a config of mode 0600 (and 0400)', async () => {
  for (const mode of [0o600, 0o400]) {
    const file = path.join(dir, `kiosk-ok-${mode.toString(8)}.json`);
    await writeFile(file, JSON.stringify(shop));
    await chmod(file, mode);
    const config = await readKioskConfig(file);
    expect(config.hubToken).toBe(shop.hubToken);
    expect(config.tillToken).toBe(shop.tillToken);
  }
});
