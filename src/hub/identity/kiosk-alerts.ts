// A kiosk's alerts to its hub (face checks paused after failed looks in a row, or resumed by staff): the
// audit log is their only store, one row per alert id, so what the kiosk saw is in the hash chain.
import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import {
  kioskAlertTypes,
  type KioskAlertRequest,
  type KioskAlertType,
  type KioskAlertView,
} from '../../shared/hub-api.ts';
import { isoTime } from '../clock.ts';
import { refuse } from '../errors.ts';
import type { kioskAlertAuditKinds, StoreTx } from '../storage/port.ts';
import type { AuditRecord, ClientRecord } from '../storage/records.ts';
import type { KioskRecord } from '../storage/kiosk-records.ts';

/** What an alert's audit row keeps in `data`; its type is the row's kind, its kiosk the subject. */
const alertDataSchema = z.strictObject({
  alertId: z.string(),
  occurredAt: z.string(),
  failedLooksInARow: z.number().int().min(0),
});

function auditKindOf(type: KioskAlertType): (typeof kioskAlertAuditKinds)[number] {
  return `kiosk.${type}`;
}

export function kioskAlertView(row: AuditRecord): KioskAlertView {
  const type = kioskAlertTypes.find((candidate) => auditKindOf(candidate) === row.kind);
  assert(type !== undefined, `audit row ${row.seq} is a kiosk alert`);
  const data = alertDataSchema.parse(JSON.parse(row.data));
  return {
    alertId: data.alertId,
    kioskId: row.subject,
    type,
    occurredAt: data.occurredAt,
    failedLooksInARow: data.failedLooksInARow,
    receivedAt: isoTime(row.at),
  };
}

/**
 * Appends the alert to the audit log, once: the same alert id again answers the alert as recorded and
 * writes nothing; the same id with another alert is refused (idempotency_key_reused), the first one stays.
 */
export async function recordKioskAlert(options: {
  tx: StoreTx;
  caller: ClientRecord;
  kiosk: KioskRecord;
  request: KioskAlertRequest;
  at: number;
}): Promise<KioskAlertView> {
  const { tx, caller, kiosk, request, at } = options;
  const alert = {
    alertId: request.alertId,
    kioskId: kiosk.id,
    type: request.type,
    occurredAt: request.occurredAt,
    failedLooksInARow: request.failedLooksInARow,
  };
  const kept = await tx.findKioskAlert(kiosk.id, request.alertId);
  if (kept !== undefined) {
    const { receivedAt, ...was } = kioskAlertView(kept);
    const same = JSON.stringify(was) === JSON.stringify(alert);
    if (!same) refuse('idempotency_key_reused', 'this alertId was sent before with another alert');
    return { ...was, receivedAt };
  }
  await tx.appendAudit({
    at,
    kind: auditKindOf(request.type),
    subject: kiosk.id,
    actor: caller.id,
    data: {
      alertId: alert.alertId,
      occurredAt: alert.occurredAt,
      failedLooksInARow: alert.failedLooksInARow,
    },
  });
  return { ...alert, receivedAt: isoTime(at) };
}
