// face-api ships its own copy of the tfjs type declarations, so the same runtime tensor has two
// nominal TypeScript types; these are the only places the engine crosses between them.

import type * as tf from '@tensorflow/tfjs-core';
import type * as FaceApi from '@vladmandic/face-api';
import { EngineStartupError } from './errors.ts';

/** Sound only because `assertSharedEngine` proved face-api runs on this process's tfjs-core. */
export function faceapiWeights(map: tf.NamedTensorMap): FaceApi.tf.NamedTensorMap {
  return map as unknown as FaceApi.tf.NamedTensorMap;
}

export function faceapiInput(image: tf.Tensor3D): FaceApi.TNetInput {
  return image as unknown as FaceApi.TNetInput;
}

/** Tensors must flow between face-api and our code: both must use one tfjs engine. */
export function assertSharedEngine(
  faceapi: typeof FaceApi,
  engine: ReturnType<typeof tf.engine>,
): void {
  const theirs = (faceapi.tf as unknown as { engine?: () => unknown }).engine?.();
  if (theirs !== engine) {
    throw new EngineStartupError(
      'backend_unavailable',
      'face-api runs on a different tfjs-core than the engine',
    );
  }
}
