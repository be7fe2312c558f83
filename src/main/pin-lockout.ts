// Wrong PINs lock a screen (the operator's, an enrolment station's sign-in), each further round twice as
// long as the last up to a cap; the count is kept on disk, so restarting the kiosk gives no new guesses.
import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

export interface PinLockLimits {
  /** Wrong PINs in a row that lock the screen. */
  attemptsMax: number;
  /** The first round's lock. */
  lockMs: number;
  lockMsMax: number;
}

interface LockState {
  /** Wrong PINs since the last lock or the right PIN. */
  failures: number;
  /** The last lock's length; 0 once the right PIN was given (the next lock is the first again). */
  lastLockMs: number;
  /** 0 once the right PIN was given. */
  lockedUntilMs: number;
}

function stateSchema(limits: PinLockLimits) {
  return z
    .strictObject({
      failures: z
        .number()
        .int()
        .min(0)
        .max(limits.attemptsMax - 1),
      lastLockMs: z.number().int().min(0).max(limits.lockMsMax),
      lockedUntilMs: z.number().int().min(0),
    })
    .refine((state) => state.lastLockMs > 0 || state.lockedUntilMs === 0, 'a lock has a length');
}

/**
 * One screen's lock. `file` is where it is kept (the runtime: the kiosk's own folder); null keeps it in
 * memory (a service under test). Every change is on disk before the caller answers the PIN's try.
 */
export class PinLockout {
  readonly #limits: PinLockLimits;
  readonly #file: string | null;
  #state: LockState = { failures: 0, lastLockMs: 0, lockedUntilMs: 0 };

  constructor(options: { limits: PinLockLimits; file: string | null }) {
    const { limits, file } = options;
    assert(limits.attemptsMax >= 1 && limits.lockMs > 0, 'a lock after some wrong PINs');
    assert(limits.lockMs <= limits.lockMsMax, 'the first lock within the cap');
    this.#limits = limits;
    this.#file = file;
    // An unreadable file stops the start (readStateFile): taking it as "no lock" would give a
    // power cycle's guesses back, and a person has to see why it broke (the folder is the kiosk's own).
    const kept = file === null ? null : readStateFile(file, stateSchema(limits), 'a PIN lock');
    if (kept !== null) this.#state = kept;
  }

  /**
   * How long the screen stays locked from `now` (0: not locked). At most the lock's length: a clock set
   * back does not stretch a lock into weeks.
   */
  lockedForMs(now: number): number {
    const { lockedUntilMs, lastLockMs } = this.#state;
    return Math.max(0, Math.min(lockedUntilMs - now, lastLockMs));
  }

  /** A wrong PIN (tried while not locked): counted, and the attemptsMax-th locks the screen. */
  wrong(now: number): void {
    assert(this.lockedForMs(now) === 0, 'no PIN is tried while locked');
    const failures = this.#state.failures + 1;
    if (failures < this.#limits.attemptsMax) {
      this.#set({ ...this.#state, failures });
      return;
    }
    const { lockMs, lockMsMax } = this.#limits;
    const last = this.#state.lastLockMs;
    const lockLength = last === 0 ? lockMs : Math.min(last * 2, lockMsMax);
    this.#set({ failures: 0, lastLockMs: lockLength, lockedUntilMs: now + lockLength });
  }

  /** The right PIN: the count starts over, and the next lock is the first one's length. */
  right(): void {
    const { failures, lastLockMs, lockedUntilMs } = this.#state;
    if (failures === 0 && lastLockMs === 0 && lockedUntilMs === 0) return;
    this.#set({ failures: 0, lastLockMs: 0, lockedUntilMs: 0 });
  }

  #set(state: LockState): void {
    if (this.#file !== null) writeStateFile(this.#file, state);
    this.#state = state;
  }
}
