// Creates the face engine in Node: verified models, the chosen backend, and the per-frame pipeline;
// the one entry point the kiosk's main process, the CLIs and the tests use.

import type { FaceEngineOptions } from './engine.ts';
import { defaultFaceEngineOptions, FaceEngine } from './engine.ts';
import { defaultModelsDir, loadFaceParts } from './engine-load.node.ts';

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
