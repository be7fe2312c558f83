// Measures each candidate face detector (and its upscale/border preparation) on the photo subsets of
// ../shared/data/faces: detection rate and time per image, so the engine's detector is chosen by data.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createDetector } from '../src/biometrics/detectors.ts';
import type { DetectorConfig } from '../src/biometrics/detectors.ts';
import { loadFaceParts } from '../src/biometrics/engine-load.node.ts';
import { faceDetectionSideMinPixels } from '../src/shared/limits.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import type { RgbImage } from '../src/biometrics/image.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const facesDir = path.resolve(repoRoot, '..', 'shared', 'data', 'faces');
const perSubset = Number(process.env.PER_SUBSET ?? 20);

const candidates: Array<{ label: string; config: DetectorConfig }> = [
  {
    label: 'ssd',
    config: {
      kind: 'ssd',
      minScore: 0.5,
      prep: { minSidePixels: 0, borderFraction: 0, retryBorderFraction: null },
    },
  },
  {
    label: 'ssd up224+b25%',
    config: {
      kind: 'ssd',
      minScore: 0.5,
      prep: {
        minSidePixels: faceDetectionSideMinPixels,
        borderFraction: 0.25,
        retryBorderFraction: null,
      },
    },
  },
  {
    label: 'ssd up224+b50%',
    config: {
      kind: 'ssd',
      minScore: 0.5,
      prep: {
        minSidePixels: faceDetectionSideMinPixels,
        borderFraction: 0.5,
        retryBorderFraction: null,
      },
    },
  },
  {
    label: 'tiny',
    config: {
      kind: 'tiny',
      minScore: 0.5,
      prep: { minSidePixels: 0, borderFraction: 0, retryBorderFraction: null },
    },
  },
  {
    label: 'tiny up224+b25%',
    config: {
      kind: 'tiny',
      minScore: 0.5,
      prep: {
        minSidePixels: faceDetectionSideMinPixels,
        borderFraction: 0.25,
        retryBorderFraction: null,
      },
    },
  },
  {
    label: 'blazeface',
    config: {
      kind: 'blazeface',
      minScore: 0.5,
      prep: { minSidePixels: 0, borderFraction: 0, retryBorderFraction: null },
    },
  },
  {
    label: 'blazeface up224+b25%',
    config: {
      kind: 'blazeface',
      minScore: 0.5,
      prep: {
        minSidePixels: faceDetectionSideMinPixels,
        borderFraction: 0.25,
        retryBorderFraction: null,
      },
    },
  },
  {
    label: 'blazeface b50%',
    config: {
      kind: 'blazeface',
      minScore: 0.5,
      prep: { minSidePixels: 0, borderFraction: 0.5, retryBorderFraction: null },
    },
  },
  {
    label: 'blazeface b25%',
    config: {
      kind: 'blazeface',
      minScore: 0.5,
      prep: { minSidePixels: 0, borderFraction: 0.25, retryBorderFraction: null },
    },
  },
];

interface Sample {
  subset: string;
  file: string;
}

async function samples(): Promise<Sample[]> {
  const lines = (await readFile(path.join(facesDir, 'manifest.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1);
  const bySubset = new Map<string, Sample[]>();
  for (const line of lines) {
    const [identity, n, subset] = line.split(',');
    if (identity === undefined || n === undefined || subset === undefined) continue;
    const list = bySubset.get(subset) ?? [];
    list.push({ subset, file: path.join(facesDir, identity, `${n}.jpg`) });
    bySubset.set(subset, list);
  }
  return [...bySubset.values()].flatMap((list) => evenlySpaced(list, perSubset));
}

function evenlySpaced<T>(list: T[], count: number): T[] {
  if (list.length <= count) return list;
  return Array.from({ length: count }, (_, i) => list[Math.floor((i * list.length) / count)] as T);
}

function toTensor(image: RgbImage): tf.Tensor3D {
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
}

async function main(): Promise<void> {
  const { runtime, models } = await loadFaceParts();
  const list = await samples();
  const images = await Promise.all(
    list.map(async (s) => ({ ...s, image: await decodeImage(await readFile(s.file)) })),
  );
  const subsets = [...new Set(list.map((s) => s.subset))];
  console.log(`backend ${runtime.backend}; ${images.length} images, up to ${perSubset} per subset`);
  console.log(
    ['detector', ...subsets.map((s) => `${s} found/ms`), 'all found', 'ms/img'].join(' | '),
  );
  for (const { label, config } of candidates) {
    const detect = createDetector(runtime.faceapi, models, config);
    const found = new Map<string, number>();
    const ms = new Map<string, number>();
    for (const { subset, image } of images) {
      const tensor = toTensor(image);
      const start = performance.now();
      const faces = await detect(tensor);
      ms.set(subset, (ms.get(subset) ?? 0) + performance.now() - start);
      tensor.dispose();
      if (faces.length > 0) found.set(subset, (found.get(subset) ?? 0) + 1);
    }
    const count = (s: string) => images.filter((i) => i.subset === s).length;
    const cells = subsets.map(
      (s) => `${pct(found.get(s) ?? 0, count(s))} ${((ms.get(s) ?? 0) / count(s)).toFixed(0)}`,
    );
    const total = [...found.values()].reduce((a, b) => a + b, 0);
    const totalMs = [...ms.values()].reduce((a, b) => a + b, 0);
    console.log(
      [label, ...cells, pct(total, images.length), (totalMs / images.length).toFixed(0)].join(
        ' | ',
      ),
    );
  }
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(0)}%`;
}

await main();
