// `npm start`: until the kiosk window exists, starts the hub on 127.0.0.1:8787 with demo accounts
// (a shopper, a shop, a clinic), prints how to reach it, and replays the sample video through the
// face pipeline (detection, liveness, decision) with an HTML report.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { startHub } from '../src/hub/hub.ts';
import { HubClient, HubRequestError } from '../src/shared/hub-client.ts';
import { assert } from '../src/shared/assert.ts';

const dataDir = process.env['FACEPAY_DATA'] ?? join(import.meta.dirname, '..', '.facepay', 'demo');
const adminToken =
  process.env['FACEPAY_ADMIN_TOKEN'] ?? `demo-admin-${randomBytes(16).toString('hex')}`;
const port = Number(process.env['FACEPAY_PORT'] ?? 8787);

const hub = await startHub({ dataDir, port, adminToken });
const admin = new HubClient({ baseUrl: hub.url, token: adminToken });

async function ensureAccount(
  id: string,
  kind: 'person' | 'merchant',
  name: string,
  deposit: number,
): Promise<void> {
  try {
    await admin.getAccount(id);
    return;
  } catch (error) {
    if (!(error instanceof HubRequestError && error.status === 404)) throw error;
  }
  await admin.createAccount({ id, kind, name, currency: 'JPY' });
  if (deposit > 0) await admin.deposit(id, deposit, `demo-deposit-${id}`);
}

await ensureAccount('demo-shopper', 'person', 'Hanako Demo', 50_000);
await ensureAccount('demo-shop', 'merchant', 'Demo Konbini', 0);
await ensureAccount('demo-clinic', 'merchant', 'Demo Clinic', 0);
const merchant = await admin.createClient({
  name: 'demo till',
  role: 'merchant',
  merchantId: 'demo-shop',
});
const clinicSystem = await admin.createClient({
  name: 'demo clinic system',
  role: 'event_source',
  merchantId: 'demo-clinic',
  eventTypes: ['consultation.completed'],
});
const shopper = await admin.getAccount('demo-shopper');
assert(shopper.balance >= 0, 'demo shopper exists');

process.stdout.write(`hub listening on ${hub.url}
FacePay hub demo (data in ${dataDir})
  admin token:          ${adminToken}
  demo-shop till token: ${merchant.token}
  clinic system token:  ${clinicSystem.token}
  demo-shopper balance: ${shopper.balance} JPY (available ${shopper.available})

Try it:
  curl -s ${hub.url}/v1/health
  curl -s -H 'Authorization: Bearer ${adminToken}' ${hub.url}/v1/accounts/demo-shopper
  curl -s -X POST ${hub.url}/v1/holds -H 'Authorization: Bearer ${adminToken}' -H 'Idempotency-Key: demo-1' \\
       -H 'Content-Type: application/json' \\
       -d '{"payer":"demo-shopper","payee":"demo-clinic","amount":5000,"currency":"JPY","reference":"visit-1","expiresInSeconds":3600,"template":{"name":"clinic_visit"}}'
  FACEPAY_HUB_URL=${hub.url} FACEPAY_ADMIN_TOKEN=${adminToken} npm run hub:admin -- list-holds --payer demo-shopper
  API contract: ${hub.url}/v1/openapi.json
Ctrl-C stops the hub.
`);

// Without a camera or the Electron shell, show the face pipeline on the sample recording (if present).
const sampleVideo = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'video',
  'talking-face.mp4',
);
if (process.env['FACEPAY_NO_DEMO_VIDEO'] === undefined && existsSync(sampleVideo)) {
  const json = join(dataDir, 'replay.json');
  const report = join(dataDir, 'replay.html');
  process.stdout.write(
    `\nFace pipeline demo: replaying ${sampleVideo} as if it were the camera...\n`,
  );
  const replay = spawn(
    process.execPath,
    [
      ...process.execArgv,
      join(import.meta.dirname, 'replay.ts'),
      sampleVideo,
      '--json',
      json,
      '--report',
      report,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  replay.on('exit', (code) => {
    process.stdout.write(
      code === 0
        ? `Replay done: decision and timings in ${json}, open ${report} for the timeline and annotated frames.\n`
        : `Replay failed (exit ${code}); the hub keeps running.\n`,
    );
  });
}

const stop = async () => {
  await hub.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
