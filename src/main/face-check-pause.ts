// Counts the kiosk's face looks that failed in a row, across payments and check-ins, and pauses face checks
// at faceLooksFailedInARowMax until staff resume them: a payment's own tries are fresh for every payment.
import { z } from 'zod';
import { faceLooksFailedInARowMax } from '../shared/limits.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

const stateSchema = z.strictObject({
  failedInARow: z.number().int().min(0),
  paused: z.boolean(),
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

  constructor(file: string | null) {
    this.#file = file;
    const kept = file === null ? null : readStateFile(file, stateSchema, 'the face-check pause');
    this.#failedInARow = kept?.failedInARow ?? 0;
    this.#paused = kept?.paused ?? false;
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
  lookFailed(): void {
    this.#failedInARow += 1;
    if (this.#failedInARow >= faceLooksFailedInARowMax) this.#paused = true;
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
  resume(): void {
    this.#paused = false;
    this.#failedInARow = 0;
    this.#save();
  }

  #save(): void {
    if (this.#file === null) return;
    writeStateFile(this.#file, { failedInARow: this.#failedInARow, paused: this.#paused });
  }
}
