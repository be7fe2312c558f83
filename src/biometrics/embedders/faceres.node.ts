// Loads human's faceres graph model in Node from bytes verified against models/manifest.json (never from
// a path tfjs reads itself); its model id names the weights, as thresholds are only valid for one model.

import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { EngineStartupError } from '../errors.ts';
import { modelSource } from '../model-files.ts';
import { readModelManifest, readVerifiedModel } from '../model-store.node.ts';
import { sha256Hex } from '../model-manifest.ts';
import { FaceresEmbedder } from './faceres.ts';

interface GraphJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** Call after the face engine has chosen the tfjs backend: the graph's weights go to that backend. */
export async function loadFaceresEmbedder(modelsDir: string): Promise<FaceresEmbedder> {
  const manifest = await readModelManifest(modelsDir);
  const files = await readVerifiedModel(modelsDir, manifest, 'faceres');
  const source = modelSource('faceres');
  const json = parseGraphJson(required(files, source.json));
  const bins = json.weightsManifest.flatMap((group) => group.paths).map((f) => required(files, f));
  const weightData = concat(bins);
  try {
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: weightData.buffer,
      }),
    );
    const digest = await sha256Hex(required(files, source.bins[0] ?? ''));
    return new FaceresEmbedder(model, `human-faceres-1024-${digest.slice(0, 12)}`);
  } catch (error) {
    if (error instanceof EngineStartupError) throw error;
    throw new EngineStartupError('model_invalid', 'faceres graph does not load', { cause: error });
  }
}

function required(files: Map<string, Uint8Array>, file: string): Uint8Array {
  const bytes = files.get(file);
  if (bytes === undefined) throw new EngineStartupError('model_missing', `${file} was not read`);
  return bytes;
}

function parseGraphJson(bytes: Uint8Array): GraphJson {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new EngineStartupError('model_invalid', 'faceres JSON does not parse', { cause: error });
  }
  const graph = json as Partial<GraphJson>;
  if (typeof graph.modelTopology !== 'object' || !Array.isArray(graph.weightsManifest)) {
    throw new EngineStartupError('model_invalid', 'faceres JSON is not a tfjs graph model');
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
