// Loads an ArcFace-family embedder in Node from files verified against the models folder's manifest; its
// model id names the architecture and the weights' sha256, as thresholds are only valid for one model.

import { ArcfaceEmbedder } from './arcface.ts';
import type { ArcfaceModelSpec } from './arcface.ts';
import { loadVerifiedGraphModel } from './graph-model.node.ts';

/** Call after the face engine has chosen the tfjs backend: the graph's weights go to that backend. */
export async function loadArcfaceEmbedder(
  modelsDir: string,
  spec: ArcfaceModelSpec,
): Promise<ArcfaceEmbedder> {
  const { model, weightsSha256 } = await loadVerifiedGraphModel(modelsDir, spec.json);
  return new ArcfaceEmbedder(model, spec, `${spec.name}-${weightsSha256.slice(0, 12)}`);
}
