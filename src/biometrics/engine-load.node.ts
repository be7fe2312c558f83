// Node start-up of the face engine's parts: choose the backend, read and verify every model file
// against models/manifest.json, and build the networks; any failure stops start-up with a clear error.

import path from 'node:path';
import type { FaceApiRuntime } from './backend.node.ts';
import { loadFaceApiRuntime } from './backend.node.ts';
import type { FaceModels } from './face-models.ts';
import { loadFaceModels } from './face-models.ts';
import { readModelManifest, readVerifiedModel } from './model-store.node.ts';

export const defaultModelsDir = path.resolve(import.meta.dirname, '..', '..', 'models');

export interface LoadedFaceParts {
  runtime: FaceApiRuntime;
  models: FaceModels;
}

export async function loadFaceParts(
  modelsDir: string = defaultModelsDir,
): Promise<LoadedFaceParts> {
  const manifest = await readModelManifest(modelsDir);
  const runtime = await loadFaceApiRuntime();
  const models = await loadFaceModels(runtime.faceapi, (name) =>
    readVerifiedModel(modelsDir, manifest, name),
  );
  return { runtime, models };
}
