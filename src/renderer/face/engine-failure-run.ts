// Tells a face engine that has stopped working from one frame it could not read: counts the frames it failed
// on in a row (the worker's frame_error answers), or a frame left unanswered, and says when to give up on it.
import {
  faceEngineAnswerMsMax,
  faceEngineFailingMsMax,
  faceEngineFailuresInRowMin,
} from '../../shared/limits.ts';

export class EngineFailureRun {
  /** When the run's first failure came (the caller's clock), null while the engine reads frames. */
  #firstMs: number | null = null;
  #failures = 0;

  /** The engine failed on a frame at `nowMs`: true once it has failed long enough, and often enough, in a row. */
  failed(nowMs: number): boolean {
    this.#firstMs ??= nowMs;
    this.#failures += 1;
    return (
      this.#failures >= faceEngineFailuresInRowMin &&
      nowMs - this.#firstMs >= faceEngineFailingMsMax
    );
  }

  /**
   * The engine has left a frame unanswered for `unansweredMs` (FaceReader.unansweredMs): true once that is
   * faceEngineAnswerMsMax, a hung engine, which no frame_error will ever report.
   */
  hung(unansweredMs: number): boolean {
    return unansweredMs >= faceEngineAnswerMsMax;
  }

  /** The engine read a frame: the run is over. */
  read(): void {
    this.#firstMs = null;
    this.#failures = 0;
  }
}
