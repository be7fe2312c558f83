// The engine refuses to start on a missing or altered model file: each case runs on a temporary
// copy of models/ so the real install is never touched.

import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaceEngine, createFaceTracker } from '../../src/biometrics/engine.node.ts';
import { EngineStartupError } from '../../src/biometrics/errors.ts';
import { readModelManifest, readVerifiedModel } from '../../src/biometrics/model-store.node.ts';
import { modelsDir } from './face-helpers.ts';

let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'facepay-models-'));
  // Real files, never links: the tests below truncate and rewrite them, and a models/ whose files are
  // symlinks (a git worktree, a shared install) would otherwise see its originals damaged.
  await cp(modelsDir, dir, { recursive: true, dereference: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startupError(promise: Promise<unknown>): Promise<EngineStartupError> {
  const error: unknown = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EngineStartupError);
  return error as EngineStartupError;
}

describe('model verification', () => {
  it('accepts the installed files', async () => {
    const manifest = await readModelManifest(dir);
    const files = await readVerifiedModel(dir, manifest, 'faceRecognition');
    expect([...files.keys()]).toEqual([
      'face_recognition_model-weights_manifest.json',
      'face_recognition_model.bin',
    ]);
  });

  it('refuses a missing file', async () => {
    await unlink(path.join(dir, 'face_landmark_68_model.bin'));
    const manifest = await readModelManifest(dir);
    const error = await startupError(readVerifiedModel(dir, manifest, 'faceLandmark68'));
    expect(error.code).toBe('model_missing');
  });

  it('refuses a file with one byte changed (same size)', async () => {
    const file = path.join(dir, 'blazeface.bin');
    const bytes = await readFile(file);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    const manifest = await readModelManifest(dir);
    const error = await startupError(readVerifiedModel(dir, manifest, 'blazeface'));
    expect(error.code).toBe('model_hash_mismatch');
  });

  it('refuses a truncated file', async () => {
    await truncate(path.join(dir, 'ssd_mobilenetv1_model.bin'), 1000);
    const manifest = await readModelManifest(dir);
    const error = await startupError(readVerifiedModel(dir, manifest, 'ssdMobilenetv1'));
    expect(error.code).toBe('model_size_mismatch');
  });

  it('refuses a manifest that is not valid', async () => {
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ version: 1, models: [{ file: '../x' }] }),
    );
    const error = await startupError(readModelManifest(dir));
    expect(error.code).toBe('model_manifest_invalid');
  });

  it('stops the engine from starting when the face mesh’s weights were altered (same size)', async () => {
    const file = path.join(dir, 'facemesh.bin');
    const bytes = await readFile(file);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0x01;
    await writeFile(file, bytes);
    const error = await startupError(createFaceEngine({ modelsDir: dir }));
    expect(error.code).toBe('model_hash_mismatch');
  });

  it('stops the engine from starting when the iris model is missing', async () => {
    await unlink(path.join(dir, 'iris.json'));
    const error = await startupError(createFaceTracker({ modelsDir: dir }));
    expect(error.code).toBe('model_missing');
  });

  it('lists the eyelid nets in the manifest, as installed from @vladmandic/human', async () => {
    const manifest = await readModelManifest(dir);
    const files = ['facemesh.json', 'facemesh.bin', 'iris.json', 'iris.bin'];
    for (const file of files) {
      const entry = manifest.models.find((m) => m.file === file);
      expect(entry?.sourcePackage).toBe('@vladmandic/human@3.3.6');
      expect(entry?.sourcePath).toBe(`models/${file}`);
    }
    const eyes = await readVerifiedModel(dir, manifest, 'iris');
    expect([...eyes.keys()]).toEqual(['iris.json', 'iris.bin']);
  });

  it('stops the engine from starting when a model it loads was altered', async () => {
    const file = path.join(dir, 'face_recognition_model-weights_manifest.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"float32"', '"float16"'));
    const error = await startupError(createFaceEngine({ modelsDir: dir }));
    expect(error.code).toMatch(/^model_(size|hash)_mismatch$/);
  });
});
