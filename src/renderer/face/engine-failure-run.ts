// Tells a face engine that has stopped working from one frame it could not read: counts the frames it failed
// on in a row (the worker's frame_error answers) and says when the run is long enough to give up on it.
import { faceEngineFailingMsMax, faceEngineFailuresInRowMin } from '../../shared/limits.ts';

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

  /** The engine read a frame: the run is over. */
  read(): void {
    this.#firstMs = null;
    this.#failures = 0;
  }
}
