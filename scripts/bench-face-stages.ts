// Per-stage latency of the face engine (median, p95) on webcam-like (nuaa) and web (facerec) photos,
// with face-api's reference usage (SSD + landmarks + descriptor on the full frame) timed in the same run.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadFaceApiRuntime } from '../src/biometrics/backend.node.ts';
import { createFaceEngine } from '../src/biometrics/engine.node.ts';
import type { Stage } from '../src/biometrics/engine.ts';
import { defaultModelsDir } from '../src/biometrics/engine-load.node.ts';
import { faceapiInput } from '../src/biometrics/faceapi-bridge.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import type { RgbImage } from '../src/biometrics/image.ts';

const facesDir = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'faces');
const subsets = ['nuaa_client_', 'facerec_'];
const perSubsetMax = Number(process.env.PER_SUBSET ?? 20);
const stages: Array<Stage | 'total'> = [
  'detect',
  'landmarks',
  'quality',
  'align',
  'describe',
  'total',
];

async function photos(prefix: string): Promise<string[]> {
  const identities = (await readdir(facesDir)).filter((name) => name.startsWith(prefix)).sort();
  const files: string[] = [];
  for (const identity of identities) {
    const names = (await readdir(path.join(facesDir, identity)))
      .filter((name) => name.endsWith('.jpg'))
      .sort();
    files.push(...names.map((name) => path.join(facesDir, identity, name)));
  }
  const step = Math.max(1, Math.floor(files.length / perSubsetMax));
  return files.filter((_, index) => index % step === 0).slice(0, perSubsetMax);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function row(label: string, values: readonly number[]): string {
  return `${label.padEnd(12)} ${quantile(values, 0.5).toFixed(1).padStart(8)} ${quantile(values, 0.95).toFixed(1).padStart(8)}`;
}

async function referenceUsage(image: RgbImage): Promise<number> {
  const { faceapi } = await loadFaceApiRuntime();
  const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  const start = performance.now();
  await faceapi
    .detectAllFaces(faceapiInput(tensor), new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
    .withFaceLandmarks()
    .withFaceDescriptors();
  const elapsed = performance.now() - start;
  tensor.dispose();
  return elapsed;
}

async function main(): Promise<void> {
  const engine = await createFaceEngine();
  const { faceapi } = await loadFaceApiRuntime();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(defaultModelsDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(defaultModelsDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(defaultModelsDir);
  const files = (await Promise.all(subsets.map(photos))).flat();
  const images = await Promise.all(files.map(async (file) => decodeImage(await readFile(file))));
  const warmup = images[0];
  if (warmup === undefined) throw new Error(`no photos under ${facesDir}`);
  await engine.processFrame(warmup);
  await referenceUsage(warmup);
  const timings = new Map<string, number[]>(stages.map((stage) => [stage, []]));
  const reference: number[] = [];
  let ok = 0;
  for (const image of images) {
    const result = await engine.processFrame(image);
    if (result.ok) ok += 1;
    for (const stage of stages) timings.get(stage)?.push(result.timingsMs[stage]);
    reference.push(await referenceUsage(image));
  }
  console.log(
    `backend ${engine.backend}; ${images.length} photos (nuaa + facerec); ${ok} passed the quality gate`,
  );
  console.log(`${'stage'.padEnd(12)} ${'median'.padStart(8)} ${'p95'.padStart(8)}   (ms)`);
  for (const stage of stages) console.log(row(stage, timings.get(stage) ?? []));
  console.log(row('reference', reference));
  const ratio = quantile(timings.get('total') ?? [], 0.5) / quantile(reference, 0.5);
  console.log(`engine total / face-api reference usage (median): ${ratio.toFixed(2)}`);
  engine.dispose();
}

await main();
