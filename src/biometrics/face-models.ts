// Builds the networks from verified model bytes (never from a path or URL tfjs would read itself), so
// what runs is exactly what was hashed; a file that does not parse as its model is a startup error.

import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type * as FaceApi from '@vladmandic/face-api';
import { EngineStartupError } from './errors.ts';
import { faceapiWeights } from './faceapi-bridge.ts';
import { FaceMeshReader } from './liveness/face-mesh.ts';
import { IrisEyesReader } from './liveness/iris-eyes.ts';
import { MeshEyeReader } from './liveness/mesh-eye-reader.ts';
import { sha256Hex } from './model-manifest.ts';
import type { ModelName } from './model-files.ts';
import { modelSource } from './model-files.ts';

/** Gives the verified bytes of every file of one model, keyed by file name. */
export type VerifiedModelReader = (name: ModelName) => Promise<Map<string, Uint8Array>>;

export interface FaceModels {
  ssd: FaceApi.SsdMobilenetv1;
  tiny: FaceApi.TinyFaceDetector;
  landmarks: FaceApi.FaceLandmark68Net;
  recognition: FaceApi.FaceRecognitionNet;
  blazeface: GraphModel;
  /** The eyelid reading blinks are counted on (facemesh, then iris on each eye). */
  eyes: MeshEyeReader;
  /** Names the descriptor model: thresholds are only valid for the model they were calibrated on. */
  modelId: string;
}

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

export async function loadFaceModels(
  faceapi: typeof FaceApi,
  read: VerifiedModelReader,
): Promise<FaceModels> {
  const ssd = new faceapi.SsdMobilenetv1();
  const tiny = new faceapi.TinyFaceDetector();
  const landmarks = new faceapi.FaceLandmark68Net();
  const recognition = new faceapi.FaceRecognitionNet();
  ssd.loadFromWeightMap(faceapiWeights(await faceapiWeightMap('ssdMobilenetv1', read)));
  tiny.loadFromWeightMap(faceapiWeights(await faceapiWeightMap('tinyFaceDetector', read)));
  landmarks.loadFromWeightMap(faceapiWeights(await faceapiWeightMap('faceLandmark68', read)));
  const recognitionFiles = await read('faceRecognition');
  recognition.loadFromWeightMap(
    faceapiWeights(weightMapFromFiles('faceRecognition', recognitionFiles)),
  );
  const blazeface = (await graphModel('blazeface', read)).model;
  const eyes = new MeshEyeReader(
    new FaceMeshReader(await graphModel('facemesh', read)),
    new IrisEyesReader(await graphModel('iris', read)),
  );
  return {
    ssd,
    tiny,
    landmarks,
    recognition,
    blazeface,
    eyes,
    modelId: await descriptorModelId(recognitionFiles),
  };
}

export function disposeFaceModels(models: FaceModels): void {
  models.ssd.dispose();
  models.tiny.dispose();
  models.landmarks.dispose();
  models.recognition.dispose();
  models.blazeface.dispose();
  models.eyes.dispose();
}

async function faceapiWeightMap(
  name: ModelName,
  read: VerifiedModelReader,
): Promise<tf.NamedTensorMap> {
  return weightMapFromFiles(name, await read(name));
}

function weightMapFromFiles(name: ModelName, files: Map<string, Uint8Array>): tf.NamedTensorMap {
  const source = modelSource(name);
  const groups = parseJson(name, requireFile(files, source.json)) as WeightsGroup[];
  if (!Array.isArray(groups))
    throw new EngineStartupError('model_invalid', `${source.json} is not a weights manifest`);
  const specs = groups.flatMap((group) => group.weights);
  const bins = groups.flatMap((group) => group.paths).map((file) => requireFile(files, file));
  try {
    return tf.io.decodeWeights(concatBytes(bins).buffer, specs);
  } catch (error) {
    throw new EngineStartupError('model_invalid', `${name} weights do not decode`, {
      cause: error,
    });
  }
}

/** The graph and the sha256 of its weights (what the readers' model ids name). */
async function graphModel(
  name: ModelName,
  read: VerifiedModelReader,
): Promise<{ model: GraphModel; weightsSha256: string }> {
  const source = modelSource(name);
  const files = await read(name);
  const json = parseJson(name, requireFile(files, source.json)) as {
    modelTopology: object;
    weightsManifest: WeightsGroup[];
  };
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const bins = json.weightsManifest
    .flatMap((group) => group.paths)
    .map((file) => requireFile(files, file));
  const weightData = concatBytes(bins);
  try {
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: weightData.buffer,
      }),
    );
    return { model, weightsSha256: await sha256Hex(weightData) };
  } catch (error) {
    throw new EngineStartupError('model_invalid', `${name} graph does not load`, { cause: error });
  }
}

function requireFile(files: Map<string, Uint8Array>, file: string): Uint8Array {
  const bytes = files.get(file);
  if (bytes === undefined) throw new EngineStartupError('model_missing', `${file} was not read`);
  return bytes;
}

function parseJson(name: ModelName, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new EngineStartupError('model_invalid', `${name} JSON does not parse`, { cause: error });
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

async function descriptorModelId(files: Map<string, Uint8Array>): Promise<string> {
  const bin = requireFile(files, modelSource('faceRecognition').bins[0] ?? '');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bin)));
  const hex = Array.from(digest.subarray(0, 6), (byte) => byte.toString(16).padStart(2, '0')).join(
    '',
  );
  return `faceapi-recognition-128-${hex}`;
}
