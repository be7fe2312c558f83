// When the face worker has left a frame unanswered long enough to count as hung, kept apart from the
// worker so its clock can be tested: a cold engine (no face read yet) is given longer, and a restart its own time.
import { faceEngineAnswerMsMax, faceEngineFirstFaceAnswerMsMax } from '../../shared/limits.ts';

export class UnansweredFrame {
  /** When the oldest frame the worker has not answered yet was handed to it; null while none waits. */
  #sinceMs: number | null = null;
  /** When the current session started (restarted()): a frame older than it is timed from here. */
  #sessionMs: number | null = null;
  /** The worker has answered a frame with a face: its models (and WebGL shaders) have run once through. */
  #warm = false;
  /** The leftover frame (its #sinceMs) a restart has already given a fresh limit: it gets no second one. */
  #freshForSinceMs: number | null = null;

  /** A frame was handed to the worker at `nowMs` (performance.now()). */
  sent(nowMs: number): void {
    this.#sinceMs ??= nowMs;
  }

  /**
   * The worker answered a frame at `nowMs`, `inFlight` frames still unanswered after it; `withFace`: the
   * answer read a face (or decided on one), after which the engine is warm.
   */
  answered(nowMs: number, inFlight: number, withFace: boolean): void {
    this.#sinceMs = inFlight === 0 ? null : nowMs;
    if (withFace) this.#warm = true;
  }

  /** The worker read a face outside the frame tick (the station's ID photo, same models): the engine is warm. */
  warmed(): void {
    this.#warm = true;
  }

  /**
   * A new session (a new shopper, Try again) at `nowMs`. A frame left from the last one is timed from here,
   * not from when it was sent: a slow frame the last session gave up on is given the limit again, once. A
   * frame a restart has already given that fresh limit keeps the clock it had (a warm worker stuck on it fails
   * the next shopper at once, not after 10 s each), and a frame unanswered for the cold limit is stuck for good.
   */
  restarted(nowMs: number): void {
    const since = this.#sinceMs;
    if (since !== null && nowMs - since >= faceEngineFirstFaceAnswerMsMax) {
      this.#sessionMs = since;
      return;
    }
    if (since !== null && since === this.#freshForSinceMs) return;
    this.#sessionMs = nowMs;
    this.#freshForSinceMs = since;
  }

  /** How long a frame has waited for its answer at `nowMs`, as this session counts it; 0 while none waits. */
  waitedMs(nowMs: number): number {
    if (this.#sinceMs === null) return 0;
    return nowMs - Math.max(this.#sinceMs, this.#sessionMs ?? this.#sinceMs);
  }

  /** The limit for a frame's answer: faceEngineAnswerMsMax once warm, longer until the first face is read. */
  limitMs(): number {
    return this.#warm ? faceEngineAnswerMsMax : faceEngineFirstFaceAnswerMsMax;
  }

  /** The worker has hung: a frame has waited the limit at `nowMs`. */
  hung(nowMs: number): boolean {
    return this.waitedMs(nowMs) >= this.limitMs();
  }
}
