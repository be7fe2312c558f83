// The kiosk's traffic to its hub carries the till's token, sealed faces and PIN envelopes: a hub on another
// machine over plain http is refused wherever its URL comes in (kiosk.json, `npm run kiosk -- --hub`, the
// hub link every kiosk call goes through, the set-up scripts), with the https URL to use; loopback may be
// plain http.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpShop } from '../../scripts/kiosk/deployment.ts';
import {
  disposeKioskIdentity,
  loadKioskIdentity,
  type KioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
import { runScript } from '../hub/process.ts';

let dir: string;
let identity: KioskIdentity | undefined;
beforeAll(async () => {
  await sodium.ready;
  dir = await mkdtemp(path.join(os.tmpdir(), 'facepay-hub-url-'));
  const loaded = await loadKioskIdentity({ dir: path.join(dir, 'keys'), create: true });
  if (!loaded.ok) throw new Error(loaded.error.message);
  identity = loaded.value;
});
afterAll(async () => {
  if (identity !== undefined) disposeKioskIdentity(identity);
  await rm(dir, { recursive: true, force: true });
});

const shop = {
  hubToken: 'hub-token-0123456789abcdef',
  payee: 'shop-1',
  tillToken: 'till-token-0123456789abcdef',
  shopName: 'Test Shop',
  keysDir: 'keys',
  kioskId: 'kio_1',
  operatorPin: '2580',
};

let files = 0;
async function readWithHub(hubUrl: string) {
  files += 1;
  const file = path.join(dir, `kiosk-${files}.json`);
  await writeFile(file, JSON.stringify({ ...shop, hubUrl }), { mode: 0o600 });
  return readKioskConfig(file);
}

const noStack = /^\s+at /m;

describe('kiosk.json hubUrl', () => {
  it.each([
    'https://hub.example',
    'https://hub.example:8443/facepay',
    'http://127.0.0.1:8787',
    'http://localhost:8787',
    'http://[::1]:8787',
  ])('takes %s', async (hubUrl) => {
    expect((await readWithHub(hubUrl)).hubUrl).toBe(hubUrl);
  });

  it.each([
    ['http://hub.example:8787', 'https://hub.example:8787'],
    ['http://192.168.1.20:8787', 'https://192.168.1.20:8787'],
    ['http://localhost.hub.example:8787', 'https://localhost.hub.example:8787'],
    ['http://[::ffff:7f00:1]:8787', 'https://[::ffff:7f00:1]:8787'],
  ])('refuses plain http to another machine (%s) and names %s', async (hubUrl, fix) => {
    const refused = readWithHub(hubUrl);
    await expect(refused).rejects.toThrow(/hubUrl: .*plain http to another machine/);
    await expect(refused).rejects.toThrow(fix);
  });

  it('refuses a scheme that is neither', async () => {
    await expect(readWithHub('ftp://hub.example')).rejects.toThrow(/hubUrl: .*https:\/\//);
  });
});

describe('the other ways a hub URL comes in', () => {
  it('npm run kiosk -- --hub http://other-machine: exit 2 before anything starts, naming https', () => {
    const run = runScript('src/main/web-shell-cli.ts', [
      ...['--config', '/nonexistent/kiosk.json'],
      ...['--hub', 'http://hub.example:8787'],
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^--hub: .*use https:\/\/hub\.example:8787 /);
    expect(run.stderr).toMatch(/\nusage: /);
    expect(run.stderr).not.toMatch(noStack);
    expect(run.stdout).toBe('');
  }, 70_000);

  it('the hub link refuses it, so no shell (Electron, the web shell, a script) sends a call there', () => {
    if (identity === undefined) throw new Error('no identity');
    const link = (hubUrl: string) =>
      new HubLink({
        hubUrl,
        hubToken: 'hub-token-0123456789abcdef',
        kioskId: 'kio_1',
        identity: identity as KioskIdentity,
        now: Date.now,
      });
    expect(() => link('http://hub.example:8787')).toThrow(
      /kiosk's hub URL: .*use https:\/\/hub\.example:8787/,
    );
    link('https://hub.example:8787').dispose();
    link('http://127.0.0.1:9').dispose();
  });

  it("a shop's set-up refuses it before any call carries the admin token, and makes no folder", async () => {
    const shopDir = path.join(dir, 'shop');
    await expect(
      setUpShop({
        hubUrl: 'http://hub.example:8787',
        adminToken: 'admin-token-0123456789abcdef',
        dir: shopDir,
        shop: { id: 'shop-1', name: 'Test Shop' },
        shopper: { id: 'shopper-1', name: 'Hanako', deposit: 0 },
      }),
    ).rejects.toThrow(/set-up: .*use https:\/\/hub\.example:8787/);
    expect(existsSync(shopDir)).toBe(false);
  });
});
