// human's antispoof and liveness nets on a real face through the production engine's box: scores in
// [0, 1] under ids that name the weights, deterministic, leak-free, and loaded only from pinned bytes.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../../src/biometrics/engine.ts';
import { EngineStartupError } from '../../../src/biometrics/errors.ts';
import type { Box } from '../../../src/biometrics/geometry.ts';
import type { HumanPadScorer } from '../../../src/biometrics/liveness/human-pad.ts';
import { loadHumanPadScorer } from '../../../src/biometrics/liveness/human-pad.node.ts';
import { decodeFace, modelsDir } from '../face-helpers.ts';

let engine: FaceEngine;
let scorer: HumanPadScorer;
let frame: tf.Tensor3D;
let box: Box;

beforeAll(async () => {
  engine = await createFaceEngine();
  scorer = await loadHumanPadScorer(modelsDir);
  const image = await decodeFace('nuaa_client_0001/1.jpg');
  const result = await engine.processFrame(image, { describe: false });
  if (result.face === null) throw new Error('the engine finds no face in the fixture');
  box = result.face.box;
  frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
});

afterAll(() => {
  frame.dispose();
  scorer.dispose();
  engine.dispose();
});

describe('HumanPadScorer', () => {
  it('gives both nets a score in [0, 1], timed, under ids that name the weights', async () => {
    const { scores, timings } = await scorer.score(frame, box);
    for (const value of [scores.antispoof, scores.liveness]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(timings.cropMs).toBeGreaterThan(0);
    expect(timings.netMs.antispoof).toBeGreaterThan(0);
    expect(scorer.modelIds).toEqual({
      antispoof: 'human-antispoof-4490fecb2bec',
      liveness: 'human-liveness-fc6a6b6b3b97',
    });
  });

  it('is deterministic and reads the face: the same box twice agrees, another region differs', async () => {
    const first = await scorer.score(frame, box);
    const second = await scorer.score(frame, box);
    expect(second.scores).toEqual(first.scores);
    const corner = await scorer.score(frame, { x: 0, y: 0, width: 24, height: 24 });
    expect(corner.scores).not.toEqual(first.scores);
  });

  it('leaks no tensor', async () => {
    await scorer.score(frame, box);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round += 1) await scorer.score(frame, box);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadHumanPadScorer', () => {
  let dir = '';
  const files = ['antispoof.json', 'antispoof.bin', 'liveness.json', 'liveness.bin'];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facepay-human-pad-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The two nets and a manifest listing only them (or fewer). */
  async function freshCopy(listed: readonly string[] = files): Promise<string> {
    const copy = await mkdtemp(path.join(dir, 'models-'));
    for (const file of files) await copyFile(path.join(modelsDir, file), path.join(copy, file));
    const manifest = JSON.parse(await readFile(path.join(modelsDir, 'manifest.json'), 'utf8')) as {
      models: { file: string }[];
    };
    manifest.models = manifest.models.filter((entry) => listed.includes(entry.file));
    await writeFile(path.join(copy, 'manifest.json'), JSON.stringify(manifest));
    return copy;
  }

  async function startupError(promise: Promise<HumanPadScorer>): Promise<EngineStartupError> {
    const error: unknown = await promise.then(
      (loaded) => {
        loaded.dispose();
        return null;
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EngineStartupError);
    return error as EngineStartupError;
  }

  it('loads from a folder whose manifest pins both nets', async () => {
    const loaded = await loadHumanPadScorer(await freshCopy());
    expect(loaded.modelIds.liveness).toBe(scorer.modelIds.liveness);
    loaded.dispose();
  });

  it('refuses liveness weights with one byte changed (same size)', async () => {
    const copy = await freshCopy();
    const file = path.join(copy, 'liveness.bin');
    const bytes = await readFile(file);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0x01;
    await writeFile(file, bytes);
    expect((await startupError(loadHumanPadScorer(copy))).code).toBe('model_hash_mismatch');
  });

  it('refuses a net the manifest does not list', async () => {
    const copy = await freshCopy(['liveness.json', 'liveness.bin']);
    expect((await startupError(loadHumanPadScorer(copy))).code).toBe('model_manifest_invalid');
  });
});
