// Loads human's antispoof and liveness graph models in Node from bytes verified against a models
// folder's manifest (both are installed in models/ from @vladmandic/human): call after the backend is set.
import { loadVerifiedGraphModel } from '../embedders/graph-model.node.ts';
import { HumanPadScorer } from './human-pad.ts';

export async function loadHumanPadScorer(modelsDir: string): Promise<HumanPadScorer> {
  const antispoof = await loadVerifiedGraphModel(modelsDir, 'antispoof.json');
  try {
    const liveness = await loadVerifiedGraphModel(modelsDir, 'liveness.json');
    return new HumanPadScorer({ antispoof, liveness });
  } catch (error) {
    antispoof.model.dispose();
    throw error;
  }
}
