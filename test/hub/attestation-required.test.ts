// Liveness is only what a registered kiosk signed: a production hub refuses every identify without a
// kiosk attestation; `--allow-unattested` (demo data and tests only, announced at start) turns that off.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CancelableTransform } from '../../src/biometrics/protect/cancelable-transform.ts';
import { protectAndAttest } from '../../src/biometrics/protect/kiosk-protect.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import {
  account,
  adminToken,
  clientWithId,
  startTestHub,
  syntheticFace as face,
  tempDir,
  testCalibrationFile,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';
import { fetchHubKey, sealedProbe, testPersonBody } from './identity-helpers.ts';
import { provisionedTransform, registerTestKiosk, type TestKiosk } from './kiosk-helpers.ts';
import { assertNoProcessLeft, nodeScript, repoRoot, spawnTracked } from './process.ts';

const modelId = testFaceModelId;
let t: TestHub;
let hubKey: Uint8Array;
let transform: CancelableTransform | undefined;

afterEach(async () => {
  transform?.dispose();
  transform = undefined;
  await t.stop();
});
afterAll(assertNoProcessLeft);

/** A hub with alice enrolled (by the admin) under the transform of a kiosk registered to `till`. */
async function start(allowUnattested: boolean) {
  await sodium.ready;
  t = await startTestHub({
    calibrationFile: testCalibrationFile(1e-9),
    stepUpAmount: 30_000,
    allowUnattested,
  });
  await account(t, 'shop', 'merchant');
  await account(t, 'alice', 'person', 100_000);
  hubKey = await fetchHubKey(t);
  const till = await clientWithId(t, 'merchant', 'shop');
  const plainTill = await clientWithId(t, 'merchant', 'shop');
  const kiosk = await registerTestKiosk(t, till.id);
  transform = await provisionedTransform(t, till.token, kiosk);
  const alice = face();
  const person = await t.call('POST', '/v1/persons', {
    body: testPersonBody(t, hubKey, { accountId: 'alice' }),
  });
  expect(person.status).toBe(201);
  const templates = await t.call('POST', `/v1/persons/${person.body.id}/templates`, {
    body: { modelId, sealedTemplates: [protectedFace(alice), protectedFace(alice)] },
  });
  expect(templates.status).toBe(201);
  return { till, plainTill, kiosk, alice, personId: person.body.id as string };
}

const now = () => t.clock.now();
function protectedFace(raw: Float32Array): string {
  if (transform === undefined) throw new Error('no transform');
  return sealedProbe(t, hubKey, transform.apply(face(raw)), transform.keyId);
}

/** What a client that never had a kiosk can send: its own word that the face was live. */
function unattested(raw: Float32Array) {
  return {
    modelId,
    sealedProbe: protectedFace(raw),
    liveness: { passed: true },
    payee: 'shop',
    amount: 1_000,
  };
}

function attested(raw: Float32Array, kiosk: TestKiosk) {
  if (transform === undefined) throw new Error('no transform');
  const liveness = { passed: true, score: 0.97 };
  const made = protectAndAttest({
    descriptor: face(raw),
    transform,
    hubPublicKey: hubKey,
    modelId,
    nowMs: now(),
    kiosk: kiosk.signer,
    liveness,
    payee: 'shop',
    amount: 1_000,
  });
  return { modelId, liveness, payee: 'shop', amount: 1_000, ...made };
}

async function identifiedRows(): Promise<number> {
  const rows = await t.hub.store.auditRows(0, 100_000);
  return rows.filter((r) => r.kind === 'identity.identified').length;
}

describe('kiosk attestation on identify', () => {
  it('a production hub refuses an identify without an attestation, from any client, and records nothing', async () => {
    const { till, plainTill, kiosk, alice, personId } = await start(false);
    for (const token of [plainTill.token, adminToken]) {
      const refused = await t.call('POST', '/v1/identify', { token, body: unattested(alice) });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('kiosk_attestation_required');
      expect(refused.body).not.toHaveProperty('authorization');
    }
    expect(await identifiedRows()).toBe(0);
    const found = await t.call('POST', '/v1/identify', {
      token: till.token,
      body: attested(alice, kiosk),
    });
    expect(found.status).toBe(200);
    expect(found.body.match.personId).toBe(personId);
    expect(typeof found.body.authorization).toBe('string');
  });

  it('allowUnattested (demo data and tests) takes the client at its word, as API.md v1 did', async () => {
    const { plainTill, alice, personId } = await start(true);
    const found = await t.call('POST', '/v1/identify', {
      token: plainTill.token,
      body: unattested(alice),
    });
    expect(found.status).toBe(200);
    expect(found.body.match.personId).toBe(personId);
  });

  it('npm run hub -- --allow-unattested says so on stderr at start; without it, nothing', async () => {
    t = await startTestHub(); // afterEach stops one
    const flagged = await startCli(['--allow-unattested']);
    expect(flagged.stderr).toMatch(/WARNING.*--allow-unattested.*demo data and tests only/s);
    const plain = await startCli([]);
    expect(plain.stderr).not.toMatch(/allow-unattested/);
  });
});

/** Starts the hub's CLI, waits for its listening line, stops it with SIGTERM; returns its stderr. */
function startCli(args: string[]): Promise<{ stderr: string; code: number | null }> {
  const dir = tempDir('facepay-unattested-');
  const [command, nodeArgs] = nodeScript('src/hub/cli.ts', [
    '--port',
    '0',
    '--data',
    join(dir, 'hub'),
    ...args,
  ]);
  const child = spawnTracked(command, nodeArgs, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('hub listening on')) child.kill('SIGTERM');
    });
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ stderr, code });
    });
  });
}
