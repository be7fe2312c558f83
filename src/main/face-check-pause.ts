// Counts the kiosk's face looks that failed in a row, across payments and check-ins, and pauses face checks
// at faceLooksFailedInARowMax until staff resume them: a payment's own tries are fresh for every payment.
import { faceLooksFailedInARowMax } from '../shared/limits.ts';

/**
 * In memory only: a restart resumes face checks (no one at the counter can restart the kiosk; staff who
 * do would have resumed them anyway).
 */
export class FaceCheckPause {
  #failedInARow = 0;
  #paused = false;

  /** Whether the kiosk reads no face now. */
  get paused(): boolean {
    return this.#paused;
  }

  /** A look the kiosk refused, or one the hub matched to nobody; answers whether face checks are paused now. */
  lookFailed(): boolean {
    this.#failedInARow += 1;
    if (this.#failedInARow >= faceLooksFailedInARowMax) this.#paused = true;
    return this.#paused;
  }

  /**
   * A payment or check-in the face paid (matched, confirmed, the PIN where asked, the hold placed): the
   * count starts again. A match alone does not: an attacker who is a member could otherwise show their own
   * face, tap "Not me", and draw again.
   */
  paidByFace(): void {
    this.#failedInARow = 0;
  }

  /** Staff resume face checks (operator screen): the count starts again too. */
  resume(): void {
    this.#paused = false;
    this.#failedInARow = 0;
  }
}
