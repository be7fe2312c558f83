// The kiosk's config file as an IT person writes it: an enrolment station needs no payee or till token
// (it takes no payment), a shop or clinic kiosk must have both, and a wrong file names the field.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payeeOf, readKioskConfig } from '../../src/main/kiosk-config.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'facepay-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const common = {
  hubUrl: 'http://127.0.0.1:8787',
  hubToken: 'hub-token-0123456789abcdef',
  shopName: 'Chuo Ward Office',
  keysDir: 'keys',
  kioskId: 'kio_1',
  operatorPin: '2580',
};
const station = {
  ...common,
  mode: 'enrolment',
  enrolment: {
    officers: [
      {
        id: 'o-sato',
        pinVerifier:
          '$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
      },
    ],
    documentHashKey: Buffer.alloc(32, 7).toString('base64'),
  },
};
const shop = { ...common, payee: 'shop-1', tillToken: 'till-token-0123456789abcdef' };

async function read(name: string, json: unknown) {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(json), { mode: 0o600 });
  return readKioskConfig(file);
}

describe('kiosk config', () => {
  it('an enrolment station has no payee and no till token', async () => {
    const config = await read('station.json', station);
    expect(config.mode).toBe('enrolment');
    expect(config.payee).toBeUndefined();
    expect(config.tillToken).toBeUndefined();
    expect(() => payeeOf(config)).toThrow(/enrolment kiosk has no payee/);
  });

  it('a shop or clinic kiosk needs both, and the error names the missing field', async () => {
    expect(payeeOf(await read('shop.json', shop))).toBe('shop-1');
    const without = (key: keyof typeof shop) =>
      Object.fromEntries(Object.entries(shop).filter(([name]) => name !== key));
    const noPayee = without('payee');
    await expect(read('no-payee.json', noPayee)).rejects.toThrow(
      /payee: a shop or clinic kiosk needs "payee"/,
    );
    const noTill = without('tillToken');
    await expect(
      read('no-till.json', {
        ...noTill,
        mode: 'clinic',
        clinic: { cap: 5000, noShowAfterSeconds: 600 },
      }),
    ).rejects.toThrow(/tillToken: a shop or clinic kiosk needs "tillToken"/);
  });
});
