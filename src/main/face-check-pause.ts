// Counts the kiosk's face looks that failed in a row, across payments and check-ins, and pauses face checks
// at faceLooksFailedInARowMax until staff resume them: a payment's own tries are fresh for every payment.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { kioskAlertFields, type KioskAlert, type KioskAlertType } from '../shared/hub-api.ts';
import { faceLooksFailedInARowMax, kioskAlertsQueuedMax } from '../shared/limits.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

const stateSchema = z.strictObject({
  failedInARow: z.number().int().min(0),
  paused: z.boolean(),
  // Absent in files written before alerts were handed over this way: none to hand over.
  alertsNotInOutbox: z.array(kioskAlertFields).max(kioskAlertsQueuedMax).optional(),
});

/**
 * Kept in `file` (the runtime: beside the device keys) after every change, so a restart or a power cycle
 * gives a replayed recording no fresh draws; null: in memory only. A file that cannot be read stops the
 * start (readStateFile), as a PIN lock's does.
 */
export class FaceCheckPause {
  readonly #file: string | null;
  #failedInARow: number;
  #paused: boolean;
  #alertsNotInOutbox: KioskAlert[];

  constructor(file: string | null) {
    this.#file = file;
    const kept = file === null ? null : readStateFile(file, stateSchema, 'the face-check pause');
    this.#failedInARow = kept?.failedInARow ?? 0;
    this.#paused = kept?.paused ?? false;
    this.#alertsNotInOutbox = kept?.alertsNotInOutbox ?? [];
  }

  /**
   * The alerts for the hub (paused, resumed) made with the change they tell of, in the same write of this
   * file, and kept here until the alerts outbox has them in its own file (handedOver): a crash between the
   * two files' writes, or an outbox that cannot write, loses none. Oldest first.
   */
  get alertsNotInOutbox(): readonly KioskAlert[] {
    return this.#alertsNotInOutbox;
  }

  /**
   * The outbox keeps `alertId` in its file now. A write that fails is said in the log: the file still lists
   * the alert, a restart hands it over again, and the hub records an alert id once.
   */
  handedOver(alertId: string): void {
    const left = this.#alertsNotInOutbox.filter((alert) => alert.alertId !== alertId);
    if (left.length === this.#alertsNotInOutbox.length) return;
    this.#alertsNotInOutbox = left;
    try {
      this.#save();
    } catch (error) {
      console.error(
        `kiosk: the face-check pause could not be written: ${(error as Error).message}`,
      );
    }
  }

  /** Face looks failed in a row so far (what the hub is told with a pause or a resume). */
  get failedInARow(): number {
    return this.#failedInARow;
  }

  /** Whether the kiosk reads no face now. */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * A look the kiosk refused, or one the hub matched to nobody. Counted (and paused at the limit) before the
   * file is written: a write that fails (a full disk) throws, and the count in memory still holds.
   */
  lookFailed(nowMs: number): void {
    this.#failedInARow += 1;
    if (this.#failedInARow >= faceLooksFailedInARowMax && !this.#paused) {
      this.#paused = true;
      this.#alertForHub('face_checks_paused', nowMs, this.#failedInARow);
    }
    this.#save();
  }

  /**
   * A payment or check-in the face paid (matched, confirmed, the PIN where asked, the hold placed): the
   * count starts again. A match alone does not: an attacker who is a member could otherwise show their own
   * face, tap "Not me", and draw again.
   */
  paidByFace(): void {
    if (this.#failedInARow === 0) return;
    this.#failedInARow = 0;
    try {
      this.#save();
    } catch (error) {
      // Never a throw into a payment that is paid: the file keeps the higher count, which a restart reads
      // as more failed looks than there were (the safe side). Said where the kiosk's operator looks.
      console.error(
        `kiosk: the face-check count could not be written: ${(error as Error).message}`,
      );
    }
  }

  /** Staff resume face checks (operator screen): the count starts again too. */
  resume(nowMs: number): void {
    if (this.#paused) this.#alertForHub('face_checks_resumed', nowMs, this.#failedInARow);
    this.#paused = false;
    this.#failedInARow = 0;
    this.#save();
  }

  /** Past kioskAlertsQueuedMax the oldest goes, as in the outbox. */
  #alertForHub(type: KioskAlertType, nowMs: number, failedLooksInARow: number): void {
    this.#alertsNotInOutbox.push({
      alertId: randomUUID(),
      type,
      occurredAt: new Date(nowMs).toISOString(),
      failedLooksInARow,
    });
    const over = this.#alertsNotInOutbox.length - kioskAlertsQueuedMax;
    if (over > 0) this.#alertsNotInOutbox.splice(0, over);
  }

  #save(): void {
    if (this.#file === null) return;
    writeStateFile(this.#file, {
      failedInARow: this.#failedInARow,
      paused: this.#paused,
      alertsNotInOutbox: this.#alertsNotInOutbox,
    });
  }
}
