// What the engine harness page exposes on `window` and returns as plain JSON, shared by the page and
// the Node test that drives it, so both sides agree on one shape.

import type { StageTimingsMs } from '../../../src/biometrics/engine.ts';
import type { QualityReason } from '../../../src/biometrics/quality.ts';

export type HarnessStartup =
  | {
      ok: true;
      backend: 'webgl' | 'wasm';
      fallbackReason: string | null;
      webglRenderer: string | null;
      modelId: string;
      startupMs: number;
    }
  | { ok: false; code: string; message: string; startupMs: number };

export interface HarnessFaceResult {
  ok: boolean;
  reason: QualityReason | null;
  backend: string;
  modelId: string;
  /** The unit 128-d descriptor, or null when the quality gate refused the frame. */
  descriptor: number[] | null;
  /** The face mesh + iris lids the engine read (null: no face, or the mesh saw none). */
  eyes: { openness: number; ear: number } | null;
  timingsMs: StageTimingsMs;
  decodeMs: number;
  faceCount: number;
  width: number;
  height: number;
  /** tf.memory().numTensors before and after the run: equal when no stage leaks. */
  tensorsBefore: number;
  tensorsAfter: number;
}

declare global {
  interface Window {
    /** Settles once the engine has started or refused to start; never rejects. */
    harnessStartup: Promise<HarnessStartup>;
    /** Fetches and decodes the image in the page, then runs the engine on it; rejects when start-up failed. */
    runFace: (imageUrl: string) => Promise<HarnessFaceResult>;
  }
}
