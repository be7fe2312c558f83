// Loads human's facemesh and iris nets in Node for measurements (scripts/eval-blink-mesh.ts): read from the installed
// @vladmandic/human package and checked against the sha256 pinned here; not in models/ (not shipped).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { assert } from '../../shared/assert.ts';
import { loadGraphModelFrom, type VerifiedGraphModel } from '../embedders/graph-model.node.ts';
import { EngineStartupError } from '../errors.ts';
import type { ModelManifestEntry } from '../model-manifest.ts';
import { verifyModelBytes } from '../model-manifest.ts';
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

/** The net whose JSON is `files`' first entry, from `dir`, every file it names checked against `files`. */
async function loadPinnedGraph(
  dir: string,
  files: readonly ModelManifestEntry[],
): Promise<VerifiedGraphModel> {
  const [jsonEntry] = files;
  assert(jsonEntry !== undefined, 'a pinned graph lists its JSON first');
  return loadGraphModelFrom(jsonEntry.file, (file) => {
    const entry = files.find((pinned) => pinned.file === file);
    if (entry === undefined)
      throw new EngineStartupError('model_invalid', `${jsonEntry.file} names ${file}, not pinned`);
    return verified(dir, entry);
  });
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
