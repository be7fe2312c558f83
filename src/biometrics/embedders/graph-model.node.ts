// Loads a tfjs graph model in Node from verified bytes (never from a path tfjs reads itself): a models
// folder's manifest, or sizes and sha256 pinned by the caller; the JSON first, then every weight file.

import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { EngineStartupError } from '../errors.ts';
import { sha256Hex } from '../model-manifest.ts';
import { readModelManifest, readVerifiedFile } from '../model-store.node.ts';

interface GraphJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

export interface VerifiedGraphModel {
  model: GraphModel;
  /** sha256 of the weights (all weight files, in order): what a model id names. */
  weightsSha256: string;
}

/** Call after the face engine has chosen the tfjs backend: the graph's weights go to that backend. */
export async function loadVerifiedGraphModel(
  modelsDir: string,
  jsonFile: string,
): Promise<VerifiedGraphModel> {
  const manifest = await readModelManifest(modelsDir);
  return loadGraphModelFrom(jsonFile, (file) => readVerifiedFile(modelsDir, manifest, file));
}

/**
 * The graph whose JSON is `jsonFile`, every file read through `readVerified` (which checks its bytes
 * against what is pinned for it, or throws): the JSON first, then each weight file it names.
 */
export async function loadGraphModelFrom(
  jsonFile: string,
  readVerified: (file: string) => Promise<Uint8Array>,
): Promise<VerifiedGraphModel> {
  const json = parseGraphJson(jsonFile, await readVerified(jsonFile));
  const bins: Uint8Array[] = [];
  for (const file of json.weightsManifest.flatMap((group) => group.paths)) {
    bins.push(await readVerified(file));
  }
  const weightData = concat(bins);
  try {
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: weightData.buffer,
      }),
    );
    return { model, weightsSha256: await sha256Hex(weightData) };
  } catch (error) {
    throw new EngineStartupError('model_invalid', `${jsonFile} graph does not load`, {
      cause: error,
    });
  }
}

function parseGraphJson(file: string, bytes: Uint8Array): GraphJson {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new EngineStartupError('model_invalid', `${file} does not parse`, { cause: error });
  }
  const graph = json as Partial<GraphJson>;
  if (typeof graph.modelTopology !== 'object' || !Array.isArray(graph.weightsManifest)) {
    throw new EngineStartupError('model_invalid', `${file} is not a tfjs graph model`);
  }
  return graph as GraphJson;
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
