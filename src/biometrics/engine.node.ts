// Creates the face engine in Node: verified models, the chosen backend, and the per-frame pipeline;
// the one entry point the kiosk's main process, the CLIs and the tests use.

import type { FaceEngineOptions } from './engine.ts';
import { defaultFaceEngineOptions, FaceEngine } from './engine.ts';
import { defaultModelsDir, loadFaceParts } from './engine-load.node.ts';
import { defaultTrackerOptions, FaceTracker } from './face-tracker.ts';
import type { TrackerOptions } from './face-tracker.ts';

export interface CreateFaceEngineOptions {
  modelsDir?: string;
  engine?: FaceEngineOptions;
}

export async function createFaceEngine(options: CreateFaceEngineOptions = {}): Promise<FaceEngine> {
  const { runtime, models } = await loadFaceParts(options.modelsDir ?? defaultModelsDir);
  return new FaceEngine(
    { faceapi: runtime.faceapi, models, backend: runtime.backend },
    options.engine ?? defaultFaceEngineOptions,
  );
}

/** The kiosk's tracking loop on the same verified models (detector only when the face is lost). */
export async function createFaceTracker(
  options: CreateFaceEngineOptions & { tracker?: TrackerOptions } = {},
): Promise<FaceTracker> {
  const { runtime, models } = await loadFaceParts(options.modelsDir ?? defaultModelsDir);
  return new FaceTracker(
    { faceapi: runtime.faceapi, models, backend: runtime.backend },
    options.engine ?? defaultFaceEngineOptions,
    options.tracker ?? defaultTrackerOptions,
  );
}
