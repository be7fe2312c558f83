// `npm run kiosk` started on a kiosk.json whose hub no longer takes the kiosk (revoked, its token rotated,
// a kiosk id the hub does not know) or cannot be reached says so on stderr as it starts, with what to do,
// instead of the operator learning it from the first shopper's refused payment. A kiosk the hub takes says
// nothing.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setUpShop, type Shop } from '../../scripts/kiosk/deployment.ts';
import { startHub, type RunningHub } from '../../src/hub/hub.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { assertNoProcessLeft, nodeScript, repoRoot, spawnTracked } from '../hub/process.ts';
import { blankRenderer } from './kiosk-process.ts';

const adminToken = `admin-${randomBytes(8).toString('hex')}`;
let work: string;
let hub: RunningHub | undefined;
let admin: HubClient;
let renderer: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-refusal-at-start-'));
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
  admin = new HubClient({ baseUrl: hub.url, token: adminToken });
  renderer = blankRenderer(work);
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
  await assertNoProcessLeft();
});

async function shopIn(name: string): Promise<Shop> {
  if (hub === undefined) throw new Error('no hub');
  return setUpShop({
    hubUrl: hub.url,
    adminToken,
    dir: path.join(work, name),
    shop: { id: 'shop', name: 'Shop' },
    shopper: { id: 'shopper', name: 'Shopper', deposit: 0 },
  });
}

/** The kiosk's stderr up to its ready line; then it is stopped (SIGTERM) and has exited 0. */
async function stderrAtStart(configFile: string, hubUrl?: string): Promise<string> {
  const [node, argv] = nodeScript('src/main/web-shell-cli.ts', [
    ...['--config', configFile, '--port', '0', '--renderer', renderer],
    ...(hubUrl === undefined ? [] : ['--hub', hubUrl]),
  ]);
  const child = spawnTracked(node, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('kiosk listening on ')) resolve();
    });
    void exited.then((code) => reject(new Error(`kiosk exited ${code}: ${stderr}`)));
  });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  return stderr;
}

it('a kiosk the hub takes says nothing of its hub', async () => {
  const shop = await shopIn('taken');
  expect(await stderrAtStart(shop.configFile)).toBe('');
}, 60_000);

it('a kiosk the admin revoked: the hub has revoked it, register it again', async () => {
  const shop = await shopIn('revoked');
  await admin.revokeKiosk(shop.config.kioskId);
  expect(await stderrAtStart(shop.configFile)).toContain(
    `kiosk: the hub at ${hub?.url} has revoked kiosk ${shop.config.kioskId} (403 kiosk_revoked): register the kiosk again (hub:admin register-kiosk)`,
  );
}, 60_000);

it("a kiosk whose client's token was rotated: put the current token in hubToken", async () => {
  const shop = await shopIn('rotated');
  await admin.rotateClientToken(shop.tillClientId);
  expect(await stderrAtStart(shop.configFile)).toMatch(
    /^kiosk: the hub at \S+ refuses the kiosk's hubToken \(401 \w+\): .*put the client's current token .* in the kiosk config's hubToken/m,
  );
}, 60_000);

it('a kiosk id the hub does not know (a hub set up anew): register the keys there', async () => {
  const shop = await shopIn('unknown');
  const file = JSON.parse(await readFile(shop.configFile, 'utf8')) as object;
  await writeFile(shop.configFile, JSON.stringify({ ...file, kioskId: 'kio_not_at_this_hub' }), {
    mode: 0o600,
  });
  expect(await stderrAtStart(shop.configFile)).toContain(
    'knows no kiosk kio_not_at_this_hub (404 not_found; a hub set up anew?): register the kiosk',
  );
}, 60_000);

it('a hub out of reach: said, and the kiosk keeps asking', async () => {
  const shop = await shopIn('unreached');
  expect(await stderrAtStart(shop.configFile, 'http://127.0.0.1:9')).toContain(
    'kiosk: the hub at http://127.0.0.1:9 cannot be reached (or is not ready): the kiosk keeps asking',
  );
}, 60_000);
