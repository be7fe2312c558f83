// The hub's clock as a kiosk reads it from its answers (hubTimeHeader): sealed probes, sealed PINs and signed
// requests carry a time the hub checks against its own, so a kiosk whose clock is off seals by the hub's.
import {
  hubClockAgreeingAnswers,
  hubClockEarliestMs,
  hubClockFirstReadingMsMax,
  hubClockRoundTripMsMax,
  hubClockStepMsMax,
} from '../shared/limits.ts';
import { hubTimeHeader } from '../shared/hub-routes.ts';
import { elapsedMs } from './monotonic-clock.ts';

/**
 * A hub time and the kiosk's elapsed-clock instant it was true at: the hub's time later is that plus the
 * elapsed. atWallMs is the kiosk's wall clock at that instant, for the wall-clock prediction (#observe).
 */
interface Reading {
  hubMs: number;
  atElapsedMs: number;
  atWallMs: number;
}

/**
 * The hub's clock, from answers back quickly enough to say it within half their round trip
 * (hubClockRoundTripMsMax), kept against the kiosk's elapsed clock (monotonic), not its wall clock: the
 * wall clock stepped (NTP, an operator) moves nothing here. Until a reading is taken, the kiosk's own
 * clock (a hub without the header, an older one, leaves the kiosk on its own clock, as before).
 *
 * One answer never moves a learned reading by more than hubClockStepMsMax, nor sets the first one further
 * than hubClockFirstReadingMsMax from the kiosk's own clock: a reading beyond that is taken only when
 * hubClockAgreeingAnswers answers in a row agree on it (a hub whose clock was really stepped is followed
 * within a few answers; one forged or stale answer moves nothing). A time before hubClockEarliestMs is no
 * clock and is ignored.
 *
 * The elapsed clock stops while the machine is suspended (CLOCK_MONOTONIC on Linux) or its VM paused, so after
 * a sleep the learned reading is behind by the sleep while the wall clock (kept by NTP or the RTC) is not. An
 * answer is therefore also taken alone when it agrees, within hubClockStepMsMax, with the wall-clock
 * prediction (the learned reading's offset from the kiosk's wall clock, carried forward on the wall clock):
 * a forger gains nothing by matching the kiosk's own clock. A man in the middle of a plain-HTTP link who forges every answer can still move
 * the kiosk's clock, hubClockStepMsMax per answer or all at once after a few: only https stops that.
 */
export class HubClock {
  #reading: Reading | null = null;
  /** A reading that disagreed with the learned one, and how many answers in a row agreed on it. */
  #candidate: (Reading & { answers: number }) | null = null;

  constructor(
    private readonly localNow: () => number,
    private readonly elapsed: () => number = elapsedMs,
  ) {}

  /** The kiosk's clock moved to the hub's. */
  now(): number {
    const reading = this.#reading;
    if (reading === null) return this.localNow();
    return Math.round(reading.hubMs + (this.elapsed() - reading.atElapsedMs));
  }

  /** How far the hub's clock is from the kiosk's wall clock now; 0 before a reading. */
  get offsetMs(): number {
    return this.#reading === null ? 0 : this.now() - this.localNow();
  }

  /** `network` with every answer's hub time read (the answer itself passes on untouched). */
  watching(network: typeof fetch): typeof fetch {
    return async (input, init) => {
      const sentAt = this.elapsed();
      const response = await network(input, init);
      this.#observe(response.headers.get(hubTimeHeader), sentAt, this.elapsed());
      return response;
    };
  }

  /** An answer's Hub-Time header, the request sent at `sentAt` and answered at `receivedAt` (elapsed clock). */
  #observe(header: string | null, sentAt: number, receivedAt: number): void {
    if (header === null || !/^\d{1,16}$/.test(header)) return;
    const hubMs = Number(header);
    if (hubMs < hubClockEarliestMs) return;
    const roundTripMs = receivedAt - sentAt;
    if (roundTripMs < 0 || roundTripMs > hubClockRoundTripMsMax) return;
    // The hub stamped its answer somewhere in the round trip: the middle is at most half of it off.
    const atElapsedMs = sentAt + roundTripMs / 2;
    const reading = { hubMs, atElapsedMs, atWallMs: this.localNow() - (receivedAt - atElapsedMs) };
    const learned = this.#reading;
    const agrees =
      learned === null
        ? Math.abs(hubMs - reading.atWallMs) <= hubClockFirstReadingMsMax
        : Math.abs(hubMs - predicted(learned, reading.atElapsedMs)) <= hubClockStepMsMax ||
          Math.abs(hubMs - predictedByWall(learned, reading.atWallMs)) <= hubClockStepMsMax;
    if (agrees) {
      this.#reading = reading;
      this.#candidate = null;
      return;
    }
    const candidate = this.#candidate;
    const answers =
      candidate !== null &&
      Math.abs(hubMs - predicted(candidate, reading.atElapsedMs)) <= hubClockStepMsMax
        ? candidate.answers + 1
        : 1;
    if (answers < hubClockAgreeingAnswers) {
      this.#candidate = { ...reading, answers };
      return;
    }
    const movedMs = Math.round(
      hubMs - (learned === null ? this.localNow() : predicted(learned, reading.atElapsedMs)),
    );
    console.error(
      `kiosk: the hub's clock read ${movedMs} ms off the ${learned === null ? "kiosk's own" : 'one learned'}, by ${answers} answers in a row; taken`,
    );
    this.#reading = reading;
    this.#candidate = null;
  }
}

/** The hub's time at `atElapsedMs` by `reading`. */
function predicted(reading: Reading, atElapsedMs: number): number {
  return reading.hubMs + (atElapsedMs - reading.atElapsedMs);
}

/**
 * The hub's time when the kiosk's wall clock read `atWallMs`, by `reading`'s offset from the wall clock: right
 * across a suspend (which the elapsed clock misses), wrong across a wall-clock step (which the elapsed one
 * ignores); an answer that agrees with either is taken.
 */
function predictedByWall(reading: Reading, atWallMs: number): number {
  return reading.hubMs + (atWallMs - reading.atWallMs);
}
