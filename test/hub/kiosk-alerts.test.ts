// A kiosk's alerts over HTTP (real hub on SQLite or PostgreSQL): signed by the kiosk's device key like a
// provisioning request but under a digest of their own, kept in the audit log once per alert id (the chain
// still verifies), listed newest first to the admin (and hub:admin) and the kiosk's own client; and the
// SQLite migration that indexes them.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { signKioskAlert } from '../../src/biometrics/protect/kiosk-attestation.ts';
import { signProvisionRequest } from '../../src/biometrics/protect/transform-key-provision.ts';
import { verifyAuditChain } from '../../src/hub/audit/verify.ts';
import { openDataDir } from '../../src/hub/data-dir.ts';
import { kioskAlertKindsSql } from '../../src/hub/storage/port.ts';
import {
  account,
  adminToken,
  clientWithId,
  dataDirAtVersion,
  openRawDb,
  storeKind,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { hubSlot } from './hub-slot.ts';
import { makeKioskIdentity, registerTestKiosk, type TestKiosk } from './kiosk-helpers.ts';
import { assertNoProcessLeft, runAdminCli } from './process.ts';

let t: TestHub;
let till: { id: string; token: string };
let otherTill: { id: string; token: string };
let kiosk: TestKiosk;

const hubs = hubSlot();
afterAll(assertNoProcessLeft);
// Stops the hub this test started: nothing when its start failed (t still names the earlier test's).
afterEach(() => hubs.stop());

/** A hub (on `dataDir` when given) with two shops' tills and a kiosk registered to the first. */
async function start(dataDir?: string) {
  await sodium.ready;
  // Calibrated, so that the provisioning route reaches its signature check (the cross-route test).
  t = await hubs.start({
    calibrationFile: testCalibrationFile(1e-9),
    ...(dataDir === undefined ? {} : { dataDir }),
  });
  await account(t, 'shop', 'merchant');
  await account(t, 'other-shop', 'merchant');
  till = await clientWithId(t, 'merchant', 'shop');
  otherTill = await clientWithId(t, 'merchant', 'other-shop');
  kiosk = await registerTestKiosk(t, till.id);
}

interface Alert {
  alertId: string;
  type: 'face_checks_paused' | 'face_checks_resumed';
  occurredAt: string;
  failedLooksInARow: number;
}

function pausedAlert(failedLooksInARow = 6): Alert {
  return {
    alertId: randomUUID(),
    type: 'face_checks_paused',
    occurredAt: new Date(t.clock.now()).toISOString(),
    failedLooksInARow,
  };
}

/** The alert as the kiosk sends it: signed now (by the hub's clock unless told), with a fresh nonce. */
function signed(alert: Alert, options: { nowMs?: number; signingSecretKey?: Uint8Array } = {}) {
  return {
    ...alert,
    ...signKioskAlert({
      kioskId: kiosk.id,
      alert,
      signingSecretKey: options.signingSecretKey ?? kiosk.identity.signing.secretKey,
      nowMs: options.nowMs ?? t.clock.now(),
    }),
  };
}

function send(body: unknown, token = till.token, kioskId = kiosk.id) {
  return t.call('POST', `/v1/kiosks/${kioskId}/alerts`, { token, body, key: null });
}

function list(token: string, query = '') {
  return t.call('GET', `/v1/kiosks/${kiosk.id}/alerts${query}`, { token });
}

/** The kiosk's alert rows in the audit log, read from the database as an operator would. */
async function alertRows(): Promise<number> {
  const db = await openRawDb(t.dir);
  try {
    const sql = `SELECT COUNT(*) AS n FROM audit_log WHERE kind IN (${kioskAlertKindsSql}) AND subject = ?`;
    return Number((await db.get<{ n: number | string }>(sql, kiosk.id))?.n);
  } finally {
    await db.close();
  }
}

async function chainVerifies(): Promise<boolean> {
  const { auditKey } = await openDataDir(t.dir, { create: false });
  const verdict = await verifyAuditChain(auditKey, (after, limit) =>
    t.hub.store.auditRows(after, limit),
  );
  return verdict.ok;
}

const refused = (code: string, status: number) => ({ status, body: { error: { code } } });

describe('a kiosk tells its hub that it paused face checks', () => {
  beforeEach(async () => start());

  it("is accepted and listed, newest first, to the admin and the kiosk's own client, not to another's", async () => {
    const paused = pausedAlert();
    const accepted = await send(signed(paused));
    expect(accepted).toMatchObject({ status: 201, body: { ...paused, kioskId: kiosk.id } });
    t.clock.advance(60_000);
    const resumed: Alert = { ...pausedAlert(), type: 'face_checks_resumed' };
    expect(await send(signed(resumed))).toMatchObject({ status: 201 });

    const byAdmin = await list(adminToken);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.items).toMatchObject([resumed, paused]);
    expect(byAdmin.body.items[1].receivedAt).toBe(accepted.body.receivedAt);
    expect((await list(till.token)).body.items).toEqual(byAdmin.body.items);
    expect(await list(otherTill.token)).toMatchObject(refused('not_found', 404));

    const firstPage = await list(adminToken, '?limit=1');
    expect(firstPage.body.items).toMatchObject([resumed]);
    const cursor = encodeURIComponent(firstPage.body.nextCursor as string);
    const secondPage = await list(adminToken, `?limit=1&cursor=${cursor}`);
    expect(secondPage.body).toMatchObject({ items: [paused], nextCursor: null });
  });

  it('the same alertId again: the stored alert answered, one audit row, the chain still verifies; another body under it refused', async () => {
    const paused = pausedAlert();
    const first = await send(signed(paused));
    t.clock.advance(5_000);
    const again = await send(signed(paused));
    expect(again).toMatchObject({ status: 201 });
    expect(again.body).toEqual(first.body);
    const otherBody = await send(signed({ ...paused, failedLooksInARow: 7 }));
    expect(otherBody).toMatchObject(refused('idempotency_key_reused', 409));
    expect(await alertRows()).toBe(1);
    expect((await list(adminToken)).body.items).toEqual([first.body]);
    expect(await chainVerifies()).toBe(true);
  });

  it("another client's till is forbidden; the admin cannot send one either", async () => {
    expect(await send(signed(pausedAlert()), otherTill.token)).toMatchObject(
      refused('forbidden', 403),
    );
    expect(await send(signed(pausedAlert()), adminToken)).toMatchObject(refused('forbidden', 403));
    expect(await alertRows()).toBe(0);
  });

  it('unsigned, or signed by another key, or a field changed after signing: kiosk_signature_invalid', async () => {
    const zeros = sodium.to_base64(new Uint8Array(64), sodium.base64_variants.ORIGINAL);
    expect(await send({ ...signed(pausedAlert()), signature: zeros })).toMatchObject(
      refused('kiosk_signature_invalid', 403),
    );
    const stranger = await makeKioskIdentity();
    const byStranger = signed(pausedAlert(), { signingSecretKey: stranger.signing.secretKey });
    expect(await send(byStranger)).toMatchObject(refused('kiosk_signature_invalid', 403));
    const changed = { ...signed(pausedAlert()), failedLooksInARow: 1 };
    expect(await send(changed)).toMatchObject(refused('kiosk_signature_invalid', 403));
    expect(await alertRows()).toBe(0);
  });

  it('the very same signed request again (its nonce) is refused as replayed', async () => {
    const body = signed(pausedAlert());
    expect(await send(body)).toMatchObject({ status: 201 });
    expect(await send(body)).toMatchObject(refused('kiosk_request_replayed', 409));
    expect(await alertRows()).toBe(1);
  });

  it('signed over 30 s ago by the hub clock: kiosk_request_stale', async () => {
    const old = signed(pausedAlert(), { nowMs: t.clock.now() - 60_000 });
    expect(await send(old)).toMatchObject(refused('kiosk_request_stale', 422));
    expect(await alertRows()).toBe(0);
  });

  it('a revoked kiosk is refused', async () => {
    expect(await t.call('DELETE', `/v1/admin/kiosks/${kiosk.id}`)).toMatchObject({ status: 204 });
    expect(await send(signed(pausedAlert()))).toMatchObject(refused('kiosk_revoked', 403));
    expect(await alertRows()).toBe(0);
  });

  it('a provisioning signature never passes as an alert, nor an alert signature as provisioning', async () => {
    const provisioning = signProvisionRequest({
      kioskId: kiosk.id,
      signingSecretKey: kiosk.identity.signing.secretKey,
      nowMs: t.clock.now(),
    });
    expect(await send({ ...pausedAlert(), ...provisioning })).toMatchObject(
      refused('kiosk_signature_invalid', 403),
    );
    const { nonce, timestamp, signature } = signed(pausedAlert());
    const asProvisioning = await t.call('POST', `/v1/kiosks/${kiosk.id}/transform-key`, {
      token: till.token,
      body: { nonce, timestamp, signature },
    });
    expect(asProvisioning).toMatchObject(refused('kiosk_signature_invalid', 403));
    expect(await alertRows()).toBe(0);
  });

  it('hub:admin kiosk-alerts prints them', async () => {
    const paused = pausedAlert();
    expect(await send(signed(paused))).toMatchObject({ status: 201 });
    const printed = await runAdminCli(t.hub.url, adminToken, ['kiosk-alerts', '--kiosk', kiosk.id]);
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ items: [paused], nextCursor: null });
  });
});

describe.runIf(storeKind === 'sqlite')('the kiosk alerts migration (19)', () => {
  it('a database written before it opens, and the alerts are found through its partial indexes', async () => {
    // Version 18: migration 19 is the one this opening runs (with those after it).
    const { dir, db } = dataDirAtVersion(18);
    db.close();
    await start(dir);
    const paused = pausedAlert();
    expect(await send(signed(paused))).toMatchObject({ status: 201 });
    expect((await list(adminToken)).body.items).toMatchObject([paused]);

    const raw = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    try {
      const plan = (sql: string, ...params: unknown[]) =>
        JSON.stringify(raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params));
      const where = `FROM audit_log WHERE kind IN (${kioskAlertKindsSql}) AND subject = ?`;
      expect(plan(`SELECT * ${where} AND seq < ? ORDER BY seq DESC LIMIT ?`, 'k', 9, 9)).toMatch(
        /audit_log_kiosk_alerts/,
      );
      expect(plan(`SELECT * ${where} AND json_extract(data, '$.alertId') = ?`, 'k', 'a')).toMatch(
        /audit_log_kiosk_alert_ids/,
      );
    } finally {
      raw.close();
    }
  });
});
