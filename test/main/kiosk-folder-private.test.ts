// The kiosk's data folder (kiosk.json, its keys folder, the enrolment log and frames) is nobody else's: a
// set-up makes it 0700 (tightening one made 0755 before), and the kiosk refuses to start from a config in a
// folder group or others may enter, with the chmod to run, as it refuses a kiosk.json that is not 0600.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpShop } from '../../scripts/kiosk/deployment.ts';
import { startHub, type RunningHub } from '../../src/hub/hub.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';

const adminToken = `admin-${randomBytes(8).toString('hex')}`;
let work: string;
let hub: RunningHub | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-kiosk-folder-'));
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

const modeOf = async (dir: string) => (await stat(dir)).mode & 0o777;

const config = {
  hubUrl: 'http://127.0.0.1:8787',
  hubToken: 'hub-token-0123456789abcdef',
  payee: 'shop-1',
  tillToken: 'till-token-0123456789abcdef',
  shopName: 'Test Shop',
  keysDir: 'keys',
  kioskId: 'kio_1',
  operatorPin: '2580',
};

describe("the kiosk's start", () => {
  it.each(['755', '750', '711', '701'])(
    'refuses a kiosk.json in a folder of mode 0%s, naming the chmod',
    async (octal) => {
      const mode = Number.parseInt(octal, 8);
      const dir = path.join(work, `config-${mode.toString(8)}`);
      await mkdir(dir, { mode: 0o700 });
      const file = path.join(dir, 'kiosk.json');
      await writeFile(file, JSON.stringify(config), { mode: 0o600 });
      await chmod(dir, mode);
      await expect(readKioskConfig(file)).rejects.toThrow(
        `its folder ${dir} must be mode 0700 (it holds the kiosk's keys, config and state files), not 0${mode.toString(8)}: chmod 700 ${dir}`,
      );
      await chmod(dir, 0o700);
      expect((await readKioskConfig(file)).kioskId).toBe('kio_1');
    },
  );
});

describe("a kiosk's set-up", () => {
  const setUp = (dir: string) => {
    if (hub === undefined) throw new Error('no hub');
    return setUpShop({
      hubUrl: hub.url,
      adminToken,
      dir,
      shop: { id: 'shop', name: 'Shop' },
      shopper: { id: 'shopper', name: 'Shopper', deposit: 0 },
    });
  };

  it('makes a missing folder (and its missing parents) 0700', async () => {
    const parent = path.join(work, 'made');
    const dir = path.join(parent, 'kiosk');
    const shop = await setUp(dir);
    expect(await modeOf(parent)).toBe(0o700);
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(shop.configFile)).toBe(0o600);
    expect(await modeOf(shop.config.keysDir)).toBe(0o700);
  });

  it('tightens a folder an older set-up made 0755, and the kiosk then starts from it', async () => {
    const dir = path.join(work, 'older');
    await mkdir(dir);
    await chmod(dir, 0o755);
    const shop = await setUp(dir);
    expect(await modeOf(dir)).toBe(0o700);
    expect((await readKioskConfig(shop.configFile)).kioskId).toBe(shop.config.kioskId);
  });
});
