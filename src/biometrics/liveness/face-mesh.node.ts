// Loads human's facemesh and iris nets in Node for measurements (scripts/eval-blink-mesh.ts): read from the installed
// @vladmandic/human package and checked against the sha256 pinned here; not in models/ (not shipped).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { EngineStartupError } from '../errors.ts';
import type { ModelManifestEntry } from '../model-manifest.ts';
import { sha256Hex, verifyModelBytes } from '../model-manifest.ts';
import { FaceMeshReader } from './face-mesh.ts';
import { IrisEyesReader } from './iris-eyes.ts';

/** @vladmandic/human 3.3.6's models/facemesh.{json,bin} (npm verified the tarball against the registry). */
export const faceMeshFiles: readonly ModelManifestEntry[] = [
  {
    file: 'facemesh.json',
    bytes: 95845,
    sha256: 'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7',
    sourcePackage: '@vladmandic/human@3.3.6',
    sourcePath: 'models/facemesh.json',
  },
  {
    file: 'facemesh.bin',
    bytes: 1477958,
    sha256: '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b',
    sourcePackage: '@vladmandic/human@3.3.6',
    sourcePath: 'models/facemesh.bin',
  },
];

/** The same package's models/iris.{json,bin}. */
export const irisFiles: readonly ModelManifestEntry[] = [
  {
    file: 'iris.json',
    bytes: 122025,
    sha256: '49038ac9dcc09aa05474d91d98e9db5b47af4830929bcf102ed5a56bfbabb465',
    sourcePackage: '@vladmandic/human@3.3.6',
    sourcePath: 'models/iris.json',
  },
  {
    file: 'iris.bin',
    bytes: 2599092,
    sha256: 'd7f296d184274213d4642681ae186112cbbec77fd2ab066257d3c56a1940bc71',
    sourcePackage: '@vladmandic/human@3.3.6',
    sourcePath: 'models/iris.bin',
  },
];

/** The installed package's models folder. */
export function humanPackageModelsDir(): string {
  const entry = createRequire(import.meta.url).resolve('@vladmandic/human');
  return path.resolve(path.dirname(entry), '..', 'models');
}

async function verified(dir: string, entry: ModelManifestEntry): Promise<Uint8Array> {
  const bytes = await readFile(path.join(dir, entry.file)).catch((error: unknown) => {
    throw new EngineStartupError('model_missing', `${entry.file} not readable in ${dir}`, {
      cause: error,
    });
  });
  await verifyModelBytes(entry, bytes);
  return bytes;
}

async function loadPinnedGraph(
  dir: string,
  files: readonly ModelManifestEntry[],
): Promise<{ model: GraphModel; weightsSha256: string }> {
  const [jsonEntry, binEntry] = files as [ModelManifestEntry, ModelManifestEntry];
  const json = JSON.parse(new TextDecoder().decode(await verified(dir, jsonEntry))) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const paths = json.weightsManifest.flatMap((group) => group.paths);
  if (paths.length !== 1 || paths[0] !== binEntry.file)
    throw new EngineStartupError(
      'model_invalid',
      `${jsonEntry.file} must name ${binEntry.file} alone`,
    );
  const weights = new Uint8Array(await verified(dir, binEntry));
  try {
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: weights.buffer,
      }),
    );
    return { model, weightsSha256: await sha256Hex(weights) };
  } catch (error) {
    throw new EngineStartupError('model_invalid', `${jsonEntry.file} graph does not load`, {
      cause: error,
    });
  }
}

/** Call after the face engine has chosen the tfjs backend: the weights go to that backend. */
export async function loadFaceMeshReader(
  dir: string = humanPackageModelsDir(),
): Promise<FaceMeshReader> {
  return new FaceMeshReader(await loadPinnedGraph(dir, faceMeshFiles));
}

export async function loadIrisEyesReader(
  dir: string = humanPackageModelsDir(),
): Promise<IrisEyesReader> {
  return new IrisEyesReader(await loadPinnedGraph(dir, irisFiles));
}
