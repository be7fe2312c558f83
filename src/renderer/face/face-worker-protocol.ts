// Messages between the renderer's UI thread and the face worker: camera frames in (one at a time,
// as transferable bitmaps), session updates out. Pixels never leave the renderer process.
import type { FacePrompt, LivenessPolicyName } from '../../biometrics/face-session.ts';
import type { Challenge } from '../../shared/challenge-kinds.ts';

export type ToFaceWorker =
  | {
      type: 'start';
      modelsBaseUrl: string;
      wasmBaseUrl: string;
      policy: LivenessPolicyName;
      /** The kinds the challenge draws from (the kiosk's config). */
      challengeKinds: readonly Challenge[];
    }
  /** session: the reader's shopper number (FaceReader.start), echoed in the frame's answer. */
  | { type: 'frame'; bitmap: ImageBitmap; timestampMs: number; grabMs: number; session: number }
  /** A new shopper: frames and answers of any other session number are the previous one's. */
  | { type: 'reset'; session: number }
  /** Enrolment station: one still (the ID photo), read whole on its own; the session is not touched. */
  | { type: 'still'; bitmap: ImageBitmap };

export interface WorkerFace {
  box: { x: number; y: number; width: number; height: number };
  frameWidth: number;
  frameHeight: number;
}

/**
 * Every answer to a frame carries the frame's session number: an answer still on its way when the reader
 * started the next shopper (the previous payment's decided descriptor, say) is dropped, never handed to the
 * next shopper's listener.
 */
export type FromFaceWorker =
  | { type: 'ready'; backend: string; modelId: string; startupMs: number }
  | { type: 'startup_failed'; code: string; message: string }
  | {
      type: 'reading';
      session: number;
      prompt: FacePrompt | null;
      progress: number;
      face: WorkerFace | null;
      processMs: number;
      /**
       * Where this frame's time went in the worker (ms): the bitmap's pixels read (toRgb), the engine's
       * stages (detect, landmarks, quality, align, describe), passive texture, liveness; bench:e2e prints them.
       */
      stagesMs: Record<string, number>;
      /** Mean colour of the frame, so tests can tell a real picture from a synthetic pattern. */
      meanRgb: [number, number, number];
    }
  | {
      type: 'decided';
      session: number;
      descriptor: Float32Array;
      modelId: string;
      liveness: { passed: true; score: number; checks: string[] };
      sinceFirstFaceMs: number;
      /** Of sinceFirstFaceMs, the wait for a blink or 3-D motion alone (FaceSessionUpdate). */
      motionWaitMs: number;
      /** Of sinceFirstFaceMs, the challenge asked and needed but not yet answered (FaceSessionUpdate). */
      challengeWaitMs: number;
      framesUsed: number;
      processMs: number;
    }
  | {
      type: 'refused';
      session: number;
      reasons: string[];
      /** The challenge asked when it failed or the time ran out; null when none was. */
      challenge: Challenge | null;
      processMs: number;
    }
  | { type: 'frame_error'; session: number; message: string }
  /** The frame arrived before start finished, after the session decided, or belongs to another session;
   * nothing was read. */
  | { type: 'skipped'; session: number }
  /** The still's face: its descriptor, or why none (no_face, face_too_small, turned_away, ...). */
  | { type: 'still_read'; ok: true; descriptor: Float32Array; modelId: string }
  | { type: 'still_read'; ok: false; reason: string };
