// The operator screen's PIN: whether the screen is open, and how long wrong PINs lock it. Each further
// round of wrong PINs locks it twice as long as the last (capped), so a short PIN is not guessed in days.
import { kioskFailure, type KioskResult } from '../shared/kiosk-api.ts';
import {
  operatorLockMs,
  operatorLockMsMax,
  operatorPinAttemptsMax,
  operatorUnlockMs,
} from '../shared/limits.ts';
import { elapsedMs } from './monotonic-clock.ts';
import { PinLockout } from './pin-lockout.ts';
import { sameSecret } from './same-secret.ts';

/**
 * The lock is kept in `lockFile` (the runtime: beside the device keys), so restarting the kiosk app
 * gives no new guesses; null keeps it in memory. The open screen is not kept: a restart closes it.
 * The lock counts elapsed time, not the wall clock `now` (PinLockout). The open screen closes at whichever
 * comes first, operatorUnlockMs of elapsed time or `now` past its end: a clock set back does not keep it
 * open for hours, one set forward closes it early (the operator types the PIN again).
 */
export class OperatorAccess {
  readonly #pin: string;
  readonly #lock: PinLockout;
  #unlockedUntilMs = 0;
  /** The elapsed clock when the screen was opened (null: never opened). */
  #unlockedAtElapsedMs: number | null = null;

  constructor(pin: string, lockFile: string | null) {
    this.#pin = pin;
    this.#lock = new PinLockout({
      limits: {
        attemptsMax: operatorPinAttemptsMax,
        lockMs: operatorLockMs,
        lockMsMax: operatorLockMsMax,
      },
      file: lockFile,
    });
  }

  /** Opens the screen for operatorUnlockMs on the right PIN; refuses every try while locked. */
  unlock(pin: string, now: number): KioskResult<{ unlockedUntil: string }> {
    const lockedMs = this.#lock.lockedForMs();
    if (lockedMs > 0) {
      return kioskFailure(
        'operator_locked',
        `too many wrong operator PINs; try again in ${Math.ceil(lockedMs / 60_000)} min`,
      );
    }
    if (!sameSecret(pin, this.#pin)) {
      this.#lock.wrong();
      return kioskFailure('operator_pin_incorrect', 'wrong operator PIN');
    }
    this.#lock.right();
    this.#unlockedUntilMs = now + operatorUnlockMs;
    this.#unlockedAtElapsedMs = elapsedMs();
    return { ok: true, unlockedUntil: new Date(this.#unlockedUntilMs).toISOString() };
  }

  isUnlocked(now: number): boolean {
    const openedAt = this.#unlockedAtElapsedMs;
    if (openedAt === null || elapsedMs() - openedAt >= operatorUnlockMs) return false;
    return now < this.#unlockedUntilMs;
  }
}
