// The kiosk's alerts to its hub (face checks paused, resumed), kept in a durable outbox until the hub has
// them: written before each is sent, so a crash or a hub out of reach delays an alert but never loses it.
import { z } from 'zod';
import { kioskAlertFields, type KioskAlert } from '../shared/hub-api.ts';
import { kioskAlertsQueuedMax } from '../shared/limits.ts';
import type { AlertDelivery } from './hub-link.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

const outboxSchema = z.strictObject({ alerts: z.array(kioskAlertFields) });

/**
 * Alerts waiting for the hub, oldest first, in `file` (the runtime: beside the device keys) after every
 * change; null: in memory only. A file that cannot be read stops the start (readStateFile). Nothing here
 * touches the pause itself: an alert that cannot be kept or sent is said in the log, and the pause stays.
 */
export class KioskAlertsOutbox {
  readonly #file: string | null;
  readonly #send: (alert: KioskAlert) => Promise<AlertDelivery>;
  #alerts: KioskAlert[];
  /** The delivery running now: a second caller waits for it instead of sending the same alerts twice. */
  #delivering: Promise<void> | null = null;
  /** Set by stop: no alert is sent after the one in flight (the runtime is closing its link and keys). */
  #stopped = false;

  constructor(options: {
    file: string | null;
    send: (alert: KioskAlert) => Promise<AlertDelivery>;
  }) {
    this.#file = options.file;
    this.#send = options.send;
    const kept =
      options.file === null ? null : readStateFile(options.file, outboxSchema, 'the alerts outbox');
    this.#alerts = kept?.alerts ?? [];
  }

  /** The alerts not delivered yet, oldest first. */
  get waiting(): readonly KioskAlert[] {
    return this.#alerts;
  }

  /**
   * Keeps `alert` (written before anything is sent); one already waiting is not kept twice, but the file is
   * written again (an earlier write may have failed). Past kioskAlertsQueuedMax the oldest goes. True once
   * the file has it (or there is no file): the pause can then forget it (FaceCheckPause.handedOver).
   */
  keep(alert: KioskAlert): boolean {
    if (this.#alerts.some((waiting) => waiting.alertId === alert.alertId)) return this.#save();
    this.#alerts.push(alert);
    const over = this.#alerts.length - kioskAlertsQueuedMax;
    if (over > 0) {
      this.#alerts.splice(0, over);
      console.error(`kiosk: ${over} alert(s) for the hub dropped, the outbox is full`);
    }
    return this.#save();
  }

  /**
   * Sends the waiting alerts in order until the hub is out of reach; one the hub has (or refused for good)
   * leaves the outbox. Never throws: the next background round tries again.
   */
  deliver(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#delivering ??= this.#deliverAll().finally(() => {
      this.#delivering = null;
    });
    return this.#delivering;
  }

  /**
   * No alert is sent from now on; resolves once the one in flight has its answer (and the file its
   * outcome). The alerts not sent stay in the file for the next start. Kept alerts are still written.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#delivering;
  }

  /** The oldest first, till none is left (or stop): one queued while this runs is sent by this run too. */
  async #deliverAll(): Promise<void> {
    for (let alert = this.#alerts[0]; alert !== undefined; alert = this.#alerts[0]) {
      if (this.#stopped) return;
      const delivery = await this.#send(alert);
      if (delivery.outcome === 'later') return;
      if (delivery.outcome === 'refused') {
        console.error(
          `kiosk: the hub refused the alert ${alert.type} (${delivery.reason}); it is dropped`,
        );
      }
      const sent = alert.alertId;
      this.#alerts = this.#alerts.filter((waiting) => waiting.alertId !== sent);
      this.#save();
    }
  }

  /**
   * A write that fails (a full disk) is said in the log: the alert stays in memory and is sent this run,
   * and one sent but still in the file is recorded once by the hub (same alert id) after a restart.
   */
  #save(): boolean {
    if (this.#file === null) return true;
    try {
      writeStateFile(this.#file, { alerts: this.#alerts });
      return true;
    } catch (error) {
      console.error(`kiosk: the alerts outbox could not be written: ${(error as Error).message}`);
      return false;
    }
  }
}
