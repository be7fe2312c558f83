// The face engine off the UI thread: a Web Worker that owns the tracker, the passive model and the
// streaming face session, turns each camera bitmap into RGB pixels, and answers with session updates;
// the enrolment station's ID photo (a still) is read by the same tracker from a fresh detection.
import { loadMaskDetectorInBrowser } from '../../biometrics/capture/mask-detector.dom.ts';
import {
  loadPassiveTextureInBrowser,
  startFaceTrackerInBrowser,
} from '../../biometrics/engine.dom.ts';
import { EngineStartupError } from '../../biometrics/errors.ts';
import type { FaceSessionUpdate } from '../../biometrics/face-session.ts';
import type { FaceTracker } from '../../biometrics/face-tracker.ts';
import { FaceSession, kioskTuning } from '../../biometrics/face-session.ts';
import type { RgbImage } from '../../biometrics/image.ts';
import { faceSessionTimeLimitMsMax } from '../../shared/limits.ts';
import type { FromFaceWorker, ToFaceWorker } from './face-worker-protocol.ts';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToFaceWorker>) => void) | null;
  postMessage(message: FromFaceWorker, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

let session: FaceSession | null = null;
let stillReader: FaceTracker | null = null;
let canvas: OffscreenCanvas | null = null;
let finished = false;
/** The session number of the latest reset: a frame of another is the previous shopper's. */
let current = 0;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'start') void start(message);
  else if (message.type === 'reset') {
    session?.reset();
    finished = false;
    current = message.session;
  } else if (message.type === 'still') void still(message.bitmap);
  else void frame(message.bitmap, message.timestampMs, message.session);
};

async function start(message: Extract<ToFaceWorker, { type: 'start' }>): Promise<void> {
  const startedAt = performance.now();
  try {
    const [{ tracker, runtime }, passive, mask] = await Promise.all([
      startFaceTrackerInBrowser({
        modelsBaseUrl: message.modelsBaseUrl,
        wasmBaseUrl: message.wasmBaseUrl,
      }),
      loadPassiveTextureInBrowser(message.modelsBaseUrl),
      loadMaskDetectorInBrowser(message.modelsBaseUrl),
    ]);
    stillReader = tracker;
    session = new FaceSession(tracker, {
      policy: message.policy,
      tuning: kioskTuning(message.challengeKinds),
      passive,
      mask,
      random: cryptoRandom,
      timeLimitMs: faceSessionTimeLimitMsMax / 2,
    });
    scope.postMessage({
      type: 'ready',
      backend: runtime.backend,
      modelId: tracker.modelId,
      startupMs: performance.now() - startedAt,
    });
  } catch (error) {
    scope.postMessage({
      type: 'startup_failed',
      code: error instanceof EngineStartupError ? error.code : 'unexpected',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

async function frame(bitmap: ImageBitmap, timestampMs: number, tag: number): Promise<void> {
  const started = performance.now();
  try {
    if (session === null || finished || tag !== current) {
      scope.postMessage({ type: 'skipped', session: tag });
      return;
    }
    const image = toRgb(bitmap);
    const toRgbMs = performance.now() - started;
    const update = await session.push(image, timestampMs);
    // A reset during the push: the session already dropped what it read; its answer is stale too.
    if (tag === current) finished = update.kind !== 'reading';
    scope.postMessage(toMessage(update, image, performance.now() - started, toRgbMs, tag));
  } catch (error) {
    scope.postMessage({
      type: 'frame_error',
      session: tag,
      message: error instanceof Error ? error.message : String(error),
    });
  } finally {
    bitmap.close();
  }
}

/**
 * The ID photo: the tracker forgets any face it followed and detects afresh, then the session is reset too
 * (its tracker's state changed under it), so the live capture that follows starts clean.
 */
async function still(bitmap: ImageBitmap): Promise<void> {
  try {
    if (stillReader === null || session === null) {
      scope.postMessage({ type: 'still_read', ok: false, reason: 'not_ready' });
      return;
    }
    stillReader.reset();
    const result = await stillReader.processFrame(toRgb(bitmap));
    session.reset();
    finished = false;
    scope.postMessage(
      result.ok
        ? { type: 'still_read', ok: true, descriptor: result.descriptor, modelId: result.modelId }
        : { type: 'still_read', ok: false, reason: result.reason },
    );
  } catch (error) {
    scope.postMessage({
      type: 'still_read',
      ok: false,
      reason: error instanceof Error ? error.message.slice(0, 200) : 'unreadable',
    });
  } finally {
    bitmap.close();
  }
}

function toMessage(
  update: FaceSessionUpdate,
  image: RgbImage,
  processMs: number,
  toRgbMs: number,
  tag: number,
): FromFaceWorker {
  if (update.kind === 'decided') {
    return {
      type: 'decided',
      session: tag,
      descriptor: update.descriptor,
      modelId: update.modelId,
      liveness: update.liveness,
      sinceFirstFaceMs: update.sinceFirstFaceMs,
      motionWaitMs: update.motionWaitMs,
      challengeWaitMs: update.challengeWaitMs,
      framesUsed: update.framesUsed,
      processMs,
    };
  }
  if (update.kind === 'refused') {
    return {
      type: 'refused',
      session: tag,
      reasons: [...update.reasons],
      challenge: update.challenge,
      processMs,
    };
  }
  return {
    type: 'reading',
    session: tag,
    prompt: update.prompt,
    progress: update.progress,
    face:
      update.face === null
        ? null
        : { box: update.face.box, frameWidth: image.width, frameHeight: image.height },
    processMs,
    stagesMs: { toRgb: toRgbMs, ...update.timingsMs },
    meanRgb: meanRgb(image),
  };
}

function toRgb(bitmap: ImageBitmap): RgbImage {
  const { width, height } = bitmap;
  if (canvas === null || canvas.width !== width || canvas.height !== height) {
    canvas = new OffscreenCanvas(width, height);
  }
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('no 2d context in the worker');
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let source = 0, target = 0; source < rgba.length; source += 4, target += 3) {
    rgb[target] = rgba[source] ?? 0;
    rgb[target + 1] = rgba[source + 1] ?? 0;
    rgb[target + 2] = rgba[source + 2] ?? 0;
  }
  return { width, height, data: rgb };
}

/** Every 97th pixel is plenty to tell a picture from a flat test pattern. */
function meanRgb(image: RgbImage): [number, number, number] {
  let [r, g, b, count] = [0, 0, 0, 0];
  for (let i = 0; i + 2 < image.data.length; i += 97 * 3) {
    r += image.data[i] ?? 0;
    g += image.data[i + 1] ?? 0;
    b += image.data[i + 2] ?? 0;
    count += 1;
  }
  return [r / count, g / count, b / count];
}

function cryptoRandom(): number {
  const value = new Uint32Array(1);
  crypto.getRandomValues(value);
  return (value[0] ?? 0) / 2 ** 32;
}
