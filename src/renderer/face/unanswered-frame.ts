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

  /**
   * A new session (a new shopper, Try again) at `nowMs`. A frame left from the last one is timed from here,
   * not from when it was sent: a slow frame the last session gave up on is given the limit again. Only
   * a frame unanswered for the cold limit already is stuck for good, and is not given more time.
   */
  restarted(nowMs: number): void {
    this.#sessionMs = nowMs;
    if (this.#sinceMs !== null && nowMs - this.#sinceMs >= faceEngineFirstFaceAnswerMsMax)
      this.#sessionMs = this.#sinceMs;
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
