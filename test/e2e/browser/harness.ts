// The engine harness page: starts the browser face engine on load and exposes window.runFace, so a
// test driving real Chromium runs the product pipeline on a photo and reads the result as plain JSON.

import * as tf from '@tensorflow/tfjs-core';
import type { WebglPolicy } from '../../../src/biometrics/backend.dom.ts';
import type { BrowserFaceEngine } from '../../../src/biometrics/engine.dom.ts';
import { startFaceEngineInBrowser } from '../../../src/biometrics/engine.dom.ts';
import { EngineStartupError } from '../../../src/biometrics/errors.ts';
import { decodeImageInBrowser } from '../../../src/biometrics/image-decode.dom.ts';
import type { HarnessFaceResult, HarnessStartup } from './harness-contract.ts';

const params = new URLSearchParams(window.location.search);
const startedAt = performance.now();
const started: Promise<BrowserFaceEngine> = startFaceEngineInBrowser({
  modelsBaseUrl: params.get('models') ?? '/models/',
  wasmBaseUrl: params.get('wasm') ?? '/wasm/',
  webgl: webglPolicy(params.get('webgl')),
});

function webglPolicy(value: string | null): WebglPolicy {
  if (value === null) return 'hardware';
  if (value === 'hardware' || value === 'any' || value === 'off') return value;
  throw new Error(`?webgl= must be hardware, any or off, not ${value}`);
}

window.harnessStartup = started.then(
  ({ engine, runtime }): HarnessStartup => ({
    ok: true,
    ...runtime,
    modelId: engine.modelId,
    startupMs: performance.now() - startedAt,
  }),
  (error: unknown): HarnessStartup => ({
    ok: false,
    code: error instanceof EngineStartupError ? error.code : 'unexpected',
    message: error instanceof Error ? error.message : String(error),
    startupMs: performance.now() - startedAt,
  }),
);

window.runFace = async (imageUrl: string): Promise<HarnessFaceResult> => {
  const { engine } = await started;
  const response = await fetch(imageUrl);
  if (!response.ok) throw new Error(`${imageUrl} answered HTTP ${response.status}`);
  const decodeStart = performance.now();
  const image = await decodeImageInBrowser(await response.blob());
  const decodeMs = performance.now() - decodeStart;
  const tensorsBefore = tf.memory().numTensors;
  const result = await engine.processFrame(image);
  return {
    ok: result.ok,
    reason: result.ok ? null : result.reason,
    backend: result.backend,
    modelId: result.modelId,
    descriptor: result.ok ? Array.from(result.descriptor) : null,
    eyes:
      result.face?.eyes === null || result.face?.eyes === undefined
        ? null
        : { openness: result.face.eyes.openness, ear: result.face.eyes.ear },
    timingsMs: result.timingsMs,
    decodeMs,
    faceCount: result.faceCount,
    width: image.width,
    height: image.height,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  };
};
