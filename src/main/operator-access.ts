// The operator screen's PIN: whether the screen is open, and how long wrong PINs lock it. Each further
// round of wrong PINs locks it twice as long as the last (capped), so a short PIN is not guessed in days.
import { kioskFailure, type KioskResult } from '../shared/kiosk-api.ts';
import {
  operatorLockMs,
  operatorLockMsMax,
  operatorPinAttemptsMax,
  operatorUnlockMs,
} from '../shared/limits.ts';
import { sameSecret } from './same-secret.ts';

/** Kept in memory only, as the lock was before it grew: restarting the kiosk app starts from the first lock. */
export class OperatorAccess {
  readonly #pin: string;
  /** Wrong PINs since the last lock or the right PIN. */
  #failures = 0;
  /** The last lock's length; 0 once the right PIN was given (the next lock is the first again). */
  #lastLockMs = 0;
  #lockedUntilMs = 0;
  #unlockedUntilMs = 0;

  constructor(pin: string) {
    this.#pin = pin;
  }

  /** Opens the screen for operatorUnlockMs on the right PIN; refuses every try while locked. */
  unlock(pin: string, now: number): KioskResult<{ unlockedUntil: string }> {
    if (now < this.#lockedUntilMs) {
      const minutes = Math.ceil((this.#lockedUntilMs - now) / 60_000);
      return kioskFailure(
        'operator_locked',
        `too many wrong operator PINs; try again in ${minutes} min`,
      );
    }
    if (!sameSecret(pin, this.#pin)) {
      this.#failures += 1;
      if (this.#failures >= operatorPinAttemptsMax) this.#lock(now);
      return kioskFailure('operator_pin_incorrect', 'wrong operator PIN');
    }
    this.#failures = 0;
    this.#lastLockMs = 0;
    this.#unlockedUntilMs = now + operatorUnlockMs;
    return { ok: true, unlockedUntil: new Date(this.#unlockedUntilMs).toISOString() };
  }

  isUnlocked(now: number): boolean {
    return now < this.#unlockedUntilMs;
  }

  #lock(now: number): void {
    this.#failures = 0;
    this.#lastLockMs =
      this.#lastLockMs === 0 ? operatorLockMs : Math.min(this.#lastLockMs * 2, operatorLockMsMax);
    this.#lockedUntilMs = now + this.#lastLockMs;
  }
}
