// Wrong PINs lock a screen (the operator's, an enrolment station's sign-in), each further round twice as
// long as the last up to a cap; the count is kept on disk, so restarting the kiosk gives no new guesses.
//
// A lock counts elapsed time, not the wall clock: a clock moved forward (by hand, a wrong NTP step) would
// end it at once, one moved back would stretch it. While the app runs, time is a monotonic clock. Across a
// restart the file keeps the time left (rewritten every pinLockCheckpointMs while locked), and the new run
// counts it again from its start: the downtime never shortens a lock (the wall clock cannot say how long
// it was), and a lock outlasts its length by at most the downtime plus one checkpoint interval.
//
// A wrong PIN the file could not keep (a full disk) still counts in memory, and the lock refuses every try
// until the file is written again: a restart would give back guesses the file never saw.
import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import { pinLockCheckpointMs } from '../shared/limits.ts';
import { elapsedMs } from './monotonic-clock.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

export interface PinLockLimits {
  /** Wrong PINs in a row that lock the screen. */
  attemptsMax: number;
  /** The first round's lock. */
  lockMs: number;
  lockMsMax: number;
}

/** As kept on disk. */
interface LockState {
  /** Wrong PINs since the last lock or the right PIN. */
  failures: number;
  /** The last lock's length; 0 once the right PIN was given (the next lock is the first again). */
  lastLockMs: number;
  /** The lock's time left when written (0: not locked); at most lastLockMs. */
  lockLeftMs: number;
}

function stateSchema(limits: PinLockLimits) {
  const counts = {
    failures: z
      .number()
      .int()
      .min(0)
      .max(limits.attemptsMax - 1),
    lastLockMs: z.number().int().min(0).max(limits.lockMsMax),
  };
  const current = z.strictObject({ ...counts, lockLeftMs: z.number().int().min(0) });
  // Written before locks counted elapsed time: the time left then is what that code would have said
  // now (its end by the wall clock, at most the lock's length), read once.
  const wallClock = z
    .strictObject({ ...counts, lockedUntilMs: z.number().int().min(0) })
    .transform(({ lockedUntilMs, ...rest }) => ({
      ...rest,
      lockLeftMs: Math.max(0, Math.min(lockedUntilMs - Date.now(), rest.lastLockMs)),
    }));
  return z
    .union([current, wallClock])
    .refine((state) => state.lockLeftMs <= state.lastLockMs, 'a lock has a length');
}

/**
 * One screen's lock. `file` is where it is kept (the runtime: the kiosk's own folder); null keeps it in
 * memory (a service under test). Every wrong PIN is on disk before the caller answers the PIN's try, or
 * the screen is locked until it is.
 */
export class PinLockout {
  readonly #limits: PinLockLimits;
  readonly #file: string | null;
  #state: LockState = { failures: 0, lastLockMs: 0, lockLeftMs: 0 };
  /** The elapsed clock's reading when #state.lockLeftMs was the time left. */
  #lockLeftAtMs = 0;
  #checkpoint: NodeJS.Timeout | null = null;
  /**
   * A wrong PIN is in memory but not in the file (it could not be written): the file may keep fewer wrong
   * PINs or no lock, so every try is refused until a write of memory's state succeeds.
   */
  #unsaved = false;

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
    this.#lockLeftAtMs = elapsedMs();
    this.#scheduleCheckpoint();
  }

  /**
   * How long the screen stays locked (0: not locked): at most the lock's length, whatever the wall clock.
   * While a wrong PIN is not in the file, the file is written first, and if it still cannot be, the
   * screen is locked (for at least pinLockCheckpointMs: the next try writes again).
   */
  lockedForMs(): number {
    if (this.#unsaved) this.#writeTimeLeft();
    const leftMs = this.#lockedForMsAt(elapsedMs());
    return this.#unsaved ? Math.max(leftMs, pinLockCheckpointMs) : leftMs;
  }

  #lockedForMsAt(atMs: number): number {
    const passedMs = atMs - this.#lockLeftAtMs;
    assert(passedMs >= 0, 'the elapsed clock never goes back');
    return Math.max(0, this.#state.lockLeftMs - passedMs);
  }

  /**
   * A wrong PIN (tried while not locked): counted, and the attemptsMax-th locks the screen. Counted in
   * memory even when the file cannot be written; the screen is then locked until it can (lockedForMs).
   */
  wrong(): void {
    assert(
      !this.#unsaved && this.#lockedForMsAt(elapsedMs()) === 0,
      'no PIN is tried while locked',
    );
    const failures = this.#state.failures + 1;
    const { lockMs, lockMsMax } = this.#limits;
    const last = this.#state.lastLockMs;
    const lockLength = last === 0 ? lockMs : Math.min(last * 2, lockMsMax);
    const locks = failures >= this.#limits.attemptsMax;
    this.#set(
      locks
        ? { failures: 0, lastLockMs: lockLength, lockLeftMs: lockLength }
        : { ...this.#state, failures, lockLeftMs: 0 },
    );
    const failed = this.#write(this.#state);
    if (failed !== null) {
      this.#unsaved = true;
      console.error(
        `kiosk: ${this.#file} could not keep a wrong PIN (${failed.message}); PIN tries are refused until it can`,
      );
    }
    if (locks) this.#scheduleCheckpoint();
  }

  /** The right PIN: the count starts over, and the next lock is the first one's length. */
  right(): void {
    const { failures, lastLockMs, lockLeftMs } = this.#state;
    if (failures === 0 && lastLockMs === 0 && lockLeftMs === 0) return;
    this.#set({ failures: 0, lastLockMs: 0, lockLeftMs: 0 });
    // Unwritten, the file keeps the wrong PINs before it: stricter than memory, so nothing is refused
    // for it (a restart counts them again), and the next write writes memory's whole state.
    this.#write(this.#state);
  }

  /** Memory's state; `atMs`: the elapsed clock's reading at which `state.lockLeftMs` is the time left. */
  #set(state: LockState, atMs = elapsedMs()): void {
    this.#state = state;
    this.#lockLeftAtMs = atMs;
  }

  /** Writes `state` to the file (none: nothing to write); the error when it could not be written. */
  #write(state: LockState): Error | null {
    if (this.#file === null) return null;
    try {
      writeStateFile(this.#file, state);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
    if (this.#unsaved) console.error(`kiosk: ${this.#file} written again; PIN tries are taken`);
    this.#unsaved = false;
    return null;
  }

  /**
   * While locked with a file, writes the time left every pinLockCheckpointMs and once more at the end, so
   * a restart resumes the lock about where it was rather than from its start.
   */
  #scheduleCheckpoint(): void {
    if (this.#file === null || this.#checkpoint !== null) return;
    const leftMs = this.#lockedForMsAt(elapsedMs());
    if (leftMs === 0 && this.#state.lockLeftMs === 0) return;
    // unref: a lock in progress does not keep a closing app (or a test's worker) alive.
    this.#checkpoint = setTimeout(
      () => {
        this.#checkpoint = null;
        this.#writeTimeLeft();
        this.#scheduleCheckpoint();
      },
      Math.min(leftMs, pinLockCheckpointMs),
    ).unref();
  }

  /** Writes the time left now; also the next try's write of a wrong PIN the file could not keep. */
  #writeTimeLeft(): void {
    const atMs = elapsedMs();
    // Rounded up: the file keeps whole milliseconds, and rounding never shortens the lock.
    this.#set({ ...this.#state, lockLeftMs: Math.ceil(this.#lockedForMsAt(atMs)) }, atMs);
    // Unwritten, the file keeps the previous, longer time left (a failed checkpoint never shortens the
    // lock), or a wrong PIN is still missing from it and #unsaved stays; this run counts on in memory.
    this.#write(this.#state);
  }
}
