// The ArcFace-family embedder on real photos through the production engine's face: unit, deterministic,
// stable under a shifted frame, leak-free, and loaded only from files whose sha256 the manifest pins.

import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../../src/biometrics/calibration/scores.ts';
import type { ArcfaceEmbedder } from '../../../src/biometrics/embedders/arcface.ts';
import { mobilefaceSpec } from '../../../src/biometrics/embedders/arcface.ts';
import { loadArcfaceEmbedder } from '../../../src/biometrics/embedders/arcface.node.ts';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine, FaceObservation } from '../../../src/biometrics/engine.ts';
import { EngineStartupError } from '../../../src/biometrics/errors.ts';
import type { DecodedImage } from '../../../src/biometrics/image-decode.node.ts';
import { decodeFace, decodeSharp, facePath, modelsDir } from '../face-helpers.ts';

let engine: FaceEngine;
let embedder: ArcfaceEmbedder;

beforeAll(async () => {
  engine = await createFaceEngine();
  embedder = await loadArcfaceEmbedder(modelsDir, mobilefaceSpec);
});

afterAll(() => {
  embedder.dispose();
  engine.dispose();
});

interface Seen {
  frame: tf.Tensor3D;
  face: FaceObservation;
}

async function see(image: DecodedImage): Promise<Seen> {
  const result = await engine.processFrame(image);
  if (!result.ok) throw new Error(`no usable face: ${result.reason}`);
  return {
    frame: tf.tensor3d(image.data, [image.height, image.width, 3], 'int32'),
    face: result.face,
  };
}

async function describeImage(image: DecodedImage): Promise<Float32Array> {
  const seen = await see(image);
  try {
    return await embedder.embed(seen.frame, seen.face);
  } finally {
    seen.frame.dispose();
  }
}

describe('ArcfaceEmbedder (mobileface)', () => {
  it('gives a unit 256-d descriptor under a model id that names the weights', async () => {
    const descriptor = await describeImage(await decodeFace('nuaa_client_0001/1.jpg'));
    expect(descriptor).toHaveLength(256);
    expect(Math.hypot(...descriptor)).toBeCloseTo(1, 5);
    expect(embedder.modelId).toMatch(/^mobileface-256-[0-9a-f]{12}$/);
  });

  it('is deterministic: the same face twice gives the same descriptor', async () => {
    const seen = await see(await decodeFace('facerec_obama/1.jpg'));
    try {
      const first = await embedder.embed(seen.frame, seen.face);
      const second = await embedder.embed(seen.frame, seen.face);
      expect(Array.from(second)).toEqual(Array.from(first));
    } finally {
      seen.frame.dispose();
    }
  });

  it('gives the same photo, re-found in a shifted and padded frame, cosine ~1; another person much less', async () => {
    const photo = await describeImage(await decodeFace('facerec_obama/1.jpg'));
    const padded = await describeImage(
      await decodeSharp(
        sharp(facePath('facerec_obama/1.jpg')).extend({
          top: 23,
          left: 41,
          bottom: 7,
          right: 3,
          background: '#202020',
        }),
      ),
    );
    const other = await describeImage(await decodeFace('nuaa_client_0001/1.jpg'));
    expect(cosineSimilarity(photo, padded)).toBeGreaterThan(0.97);
    expect(cosineSimilarity(photo, other)).toBeLessThan(0.5);
  });

  it('leaks no tensor', async () => {
    const seen = await see(await decodeFace('orl_s01/1.jpg'));
    try {
      await embedder.embed(seen.frame, seen.face);
      const before = tf.memory().numTensors;
      for (let round = 0; round < 5; round += 1) await embedder.embed(seen.frame, seen.face);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      seen.frame.dispose();
    }
  });
});

describe('loadArcfaceEmbedder', () => {
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facepay-arcface-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function freshCopy(): Promise<string> {
    const copy = await mkdtemp(path.join(dir, 'models-'));
    await cp(modelsDir, copy, { recursive: true });
    return copy;
  }

  async function startupError(promise: Promise<unknown>): Promise<EngineStartupError> {
    const error: unknown = await promise.then(
      (loaded: unknown) => {
        (loaded as ArcfaceEmbedder).dispose();
        return null;
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EngineStartupError);
    return error as EngineStartupError;
  }

  it('refuses weights with one byte changed (same size)', async () => {
    const copy = await freshCopy();
    const file = path.join(copy, 'mobileface.bin');
    const bytes = await readFile(file);
    bytes[4096] = (bytes[4096] ?? 0) ^ 0x01;
    await writeFile(file, bytes);
    const error = await startupError(loadArcfaceEmbedder(copy, mobilefaceSpec));
    expect(error.code).toBe('model_hash_mismatch');
  });

  it('refuses a truncated graph', async () => {
    const copy = await freshCopy();
    await truncate(path.join(copy, 'mobileface.json'), 100);
    const error = await startupError(loadArcfaceEmbedder(copy, mobilefaceSpec));
    expect(error.code).toBe('model_size_mismatch');
  });

  it('refuses a model the manifest does not list', async () => {
    const copy = await freshCopy();
    const manifestFile = path.join(copy, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
      models: { file: string }[];
    };
    manifest.models = manifest.models.filter((entry) => !entry.file.startsWith('mobileface.'));
    await writeFile(manifestFile, JSON.stringify(manifest));
    const error = await startupError(loadArcfaceEmbedder(copy, mobilefaceSpec));
    expect(error.code).toBe('model_manifest_invalid');
  });
});
