// The UI thread's side of face reading: a fixed frame tick grabs the camera's current picture only when
// the worker is free (at most frameQueueLengthMax waiting; the rest are dropped, never queued) and hands on updates.
import type { LivenessPolicyName } from '../../biometrics/face-session.ts';
import type { Challenge } from '../../shared/challenge-kinds.ts';
import { frameQueueLengthMax, frameTickMs, kioskFrameSideMaxPixels } from '../../shared/limits.ts';
import type { FromFaceWorker, ToFaceWorker } from './face-worker-protocol.ts';
import { UnansweredFrame } from './unanswered-frame.ts';

export interface FaceReaderStats {
  framesSent: number;
  framesDropped: number;
  /** Time spent grabbing and handing over frames, summed. */
  grabMs: number;
  /** Time the worker spent on frames, summed. */
  processMs: number;
}

export type FaceReaderListener = (message: FromFaceWorker) => void;

/** readStill's failed read when the worker hangs (not the still's fault: no quality reason of it). */
export const stillEngineHungReason = 'engine_hung';

export class FaceReader {
  readonly #worker: Worker;
  #listener: FaceReaderListener = () => {};
  #video: HTMLVideoElement | null = null;
  #timer: number | null = null;
  #inFlight = 0;
  /** The oldest frame the worker has not answered yet, timed for a hang (hung()). */
  readonly #unanswered = new UnansweredFrame();
  /** The shopper's number, bumped by start(): the worker echoes it, and answers of another are dropped. */
  #session = 0;
  #ready: Promise<Extract<FromFaceWorker, { type: 'ready' }>>;
  #still: ((message: Extract<FromFaceWorker, { type: 'still_read' }>) => void) | null = null;
  stats: FaceReaderStats = { framesSent: 0, framesDropped: 0, grabMs: 0, processMs: 0 };

  constructor(options: {
    policy: LivenessPolicyName;
    challengeKinds: readonly Challenge[];
    modelsBaseUrl: string;
    wasmBaseUrl: string;
  }) {
    this.#worker = new Worker(new URL('./face.worker.ts', import.meta.url), { type: 'module' });
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.onmessage = (event: MessageEvent<FromFaceWorker>) => {
        const message = event.data;
        if (message.type === 'ready') resolve(message);
        else if (message.type === 'still_read') {
          // The still held the worker's slot as a frame does; a face read from it ran the same models
          // (and shaders) the camera frames use.
          this.#inFlight = Math.max(0, this.#inFlight - 1);
          this.#unanswered.answered(performance.now(), this.#inFlight, false);
          if (message.ok) this.#unanswered.warmed();
          // A still answered after readStill gave it up (engine_hung): nobody takes its face, wiped here.
          if (this.#still === null) {
            if (message.ok) message.descriptor.fill(0);
          } else this.#still(message);
        } else if (message.type === 'startup_failed')
          reject(new Error(`${message.code}: ${message.message}`));
        else this.#onUpdate(message);
      };
      this.#worker.onerror = (event) => reject(new Error(event.message));
    });
    this.#post({ type: 'start', ...options });
  }

  ready() {
    return this.#ready;
  }

  /** Starts reading a new shopper from the video; updates go to the listener until stop(). */
  start(video: HTMLVideoElement, listener: FaceReaderListener): void {
    this.stop();
    this.stats = { framesSent: 0, framesDropped: 0, grabMs: 0, processMs: 0 };
    this.#video = video;
    this.#listener = listener;
    this.#session += 1;
    this.#unanswered.restarted(performance.now());
    this.#post({ type: 'reset', session: this.#session });
    this.#timer = window.setInterval(() => void this.#tick(), frameTickMs);
  }

  /**
   * Reads one still (the enrolment station's ID photo) whole: the frame tick must be stopped. The bitmap
   * is handed over to the worker and closed there. A worker that hangs (a frame before it, or the still
   * itself, unanswered for UnansweredFrame's limit) gives `engine_hung`, never a read that waits for good;
   * the still, unanswered, keeps the worker's slot, so the next session finds the worker hung too.
   */
  async readStill(bitmap: ImageBitmap): Promise<Extract<FromFaceWorker, { type: 'still_read' }>> {
    this.stop();
    const hung = { type: 'still_read', ok: false, reason: stillEngineHungReason } as const;
    // A camera frame still in the worker would share the tracker with the still: let it finish first.
    while (this.#inFlight > 0) {
      if (this.#unanswered.hung(performance.now())) {
        bitmap.close();
        return hung;
      }
      await new Promise((resolve) => window.setTimeout(resolve, frameTickMs));
    }
    return new Promise((resolve) => {
      const watch = window.setInterval(() => {
        if (!this.#unanswered.hung(performance.now())) return;
        window.clearInterval(watch);
        this.#still = null;
        resolve(hung);
      }, frameTickMs);
      this.#still = (message) => {
        window.clearInterval(watch);
        this.#still = null;
        resolve(message);
      };
      this.#inFlight += 1;
      this.#unanswered.sent(performance.now());
      this.#post({ type: 'still', bitmap }, [bitmap]);
    });
  }

  stop(): void {
    if (this.#timer !== null) window.clearInterval(this.#timer);
    this.#timer = null;
    this.#video = null;
    this.#listener = () => {};
  }

  /**
   * The worker has left a frame unanswered too long at `nowMs` (performance.now()): a worker that hangs never
   * answers, and no frame_error says so. The limit is longer until it has read a face (UnansweredFrame).
   */
  hung(nowMs: number): boolean {
    return this.#unanswered.hung(nowMs);
  }

  dispose(): void {
    this.stop();
    this.#worker.terminate();
  }

  async #tick(): Promise<void> {
    const video = this.#video;
    if (video === null || video.readyState < 2 || video.videoWidth === 0) return;
    if (this.#inFlight >= frameQueueLengthMax) {
      this.stats.framesDropped += 1;
      return;
    }
    this.#inFlight += 1;
    // Grabbed for this shopper: a start() during the grab makes it the previous one's (the worker skips it).
    const session = this.#session;
    const started = performance.now();
    try {
      const scale = Math.min(
        1,
        kioskFrameSideMaxPixels / Math.max(video.videoWidth, video.videoHeight),
      );
      const bitmap = await createImageBitmap(video, {
        resizeWidth: Math.round(video.videoWidth * scale),
        resizeHeight: Math.round(video.videoHeight * scale),
        resizeQuality: 'medium',
      });
      const grabMs = performance.now() - started;
      this.stats.grabMs += grabMs;
      this.stats.framesSent += 1;
      this.#post({ type: 'frame', bitmap, timestampMs: performance.now(), grabMs, session }, [
        bitmap,
      ]);
      this.#unanswered.sent(performance.now());
    } catch {
      this.#inFlight -= 1;
    }
  }

  #onUpdate(message: FromFaceWorker): void {
    // Every frame gets exactly one answer: the slot frees whatever it says.
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    // The worker answers: a frame still in flight is timed from now; a face read warms the engine.
    this.#unanswered.answered(
      performance.now(),
      this.#inFlight,
      (message.type === 'reading' && message.face !== null) || message.type === 'decided',
    );
    if ('processMs' in message) this.stats.processMs += message.processMs;
    // An answer to the previous shopper's frame (in flight when start() ran) is not this shopper's.
    if ('session' in message && message.session !== this.#session) return;
    if (message.type !== 'skipped') this.#listener(message);
  }

  #post(message: ToFaceWorker, transfer: Transferable[] = []): void {
    this.#worker.postMessage(message, transfer);
  }
}
