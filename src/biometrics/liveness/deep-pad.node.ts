// Loads faceres for eval:pad-deep's activation features from bytes verified against the models folder's
// manifest (installed from @vladmandic/human): call after the backend is set.
import { loadVerifiedGraphModel } from '../embedders/graph-model.node.ts';
import { faceresVariant } from '../embedders/faceres.node.ts';
import type { DeepPadLayer } from './deep-pad.ts';
import { DeepPadExtractor } from './deep-pad.ts';

export async function loadDeepPadExtractor(
  modelsDir: string,
  layers?: readonly DeepPadLayer[],
): Promise<DeepPadExtractor> {
  const { model, weightsSha256 } = await loadVerifiedGraphModel(modelsDir, faceresVariant.json);
  return new DeepPadExtractor({
    model,
    weightsSha256,
    ...(layers === undefined ? {} : { layers }),
  });
}
