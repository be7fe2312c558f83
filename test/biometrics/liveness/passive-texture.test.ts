// The committed pad-texture-v2 model: verified at load (a missing, truncated or altered file is a
// startup error, never a score) and on the right side of the threshold for held-out people.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineStartupError } from '../../../src/biometrics/errors.ts';
import { decodeImage } from '../../../src/biometrics/image-decode.node.ts';
import { sha256Hex } from '../../../src/biometrics/model-manifest.ts';
import { heldOutSubjects } from '../../../src/biometrics/liveness/pad-split.ts';
import { padTextureEntry } from '../../../src/biometrics/liveness/pad-texture.entry.ts';
import { loadPassiveTextureDetector } from '../../../src/biometrics/liveness/passive-texture.node.ts';
import { parsePadTextureModel } from '../../../src/biometrics/liveness/passive-texture.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const modelsDir = path.join(repoRoot, 'models');
const spoofDir = path.resolve(repoRoot, '../shared/data/spoof');
const modelFile = path.join(modelsDir, padTextureEntry.file);

async function startupError(promise: Promise<unknown>): Promise<EngineStartupError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineStartupError);
  return error as EngineStartupError;
}

describe('pad-texture-v2 model file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pad-model-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('matches the expected size and sha256, and was trained without the held-out people', async () => {
    const bytes = await readFile(modelFile);
    expect(bytes.byteLength).toBe(padTextureEntry.bytes);
    expect(await sha256Hex(bytes)).toBe(padTextureEntry.sha256);
    const model = await parsePadTextureModel(bytes, padTextureEntry);
    const trainSubjects = model.training['trainSubjects'] as string[];
    expect(trainSubjects.length).toBeGreaterThan(0);
    for (const subject of heldOutSubjects) expect(trainSubjects).not.toContain(subject);
  });

  it('a missing file is a startup error', async () => {
    const error = await startupError(loadPassiveTextureDetector({ modelsDir: dir }));
    expect(error.code).toBe('model_missing');
  });

  it('a truncated file is a startup error', async () => {
    const bytes = await readFile(modelFile);
    await writeFile(path.join(dir, padTextureEntry.file), bytes.subarray(0, bytes.byteLength - 10));
    const error = await startupError(loadPassiveTextureDetector({ modelsDir: dir }));
    expect(error.code).toBe('model_size_mismatch');
  });

  it('one changed digit of a weight (same size) is a startup error', async () => {
    const bytes = Buffer.from(await readFile(modelFile));
    const isDigit = (b: number | undefined): b is number =>
      b !== undefined && b >= 0x30 && b <= 0x39;
    let at = bytes.indexOf('"weights":[') + '"weights":['.length + 2;
    while (!isDigit(bytes[at])) at++;
    const digit = bytes[at] ?? 0;
    bytes[at] = digit === 0x39 ? 0x30 : digit + 1;
    await writeFile(path.join(dir, padTextureEntry.file), bytes);
    const error = await startupError(loadPassiveTextureDetector({ modelsDir: dir }));
    expect(error.code).toBe('model_hash_mismatch');
  });

  it('bytes that hash right but hold the wrong shape are refused as model_invalid', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify({ format: 'facepay-pad-texture', version: 1 }),
    );
    const entry = { ...padTextureEntry, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
    const error = await startupError(parsePadTextureModel(bytes, entry));
    expect(error.code).toBe('model_invalid');
  });

  it('loads from a copy of the committed file', async () => {
    await copyFile(modelFile, path.join(dir, padTextureEntry.file));
    const detector = await loadPassiveTextureDetector({ modelsDir: dir });
    expect(detector.modelId).toBe('pad-texture-v2');
    expect(detector.threshold).toBeGreaterThan(0);
    expect(detector.threshold).toBeLessThan(1);
  });
});

describe('pad-texture-v2 on held-out people (subjects 0003, 0009, 0011)', () => {
  const cases = [
    { file: 'real/nuaa_0003_01_00_01_0.jpg', live: true },
    { file: 'real/nuaa_0009_01_00_01_0.jpg', live: true },
    { file: 'print/nuaa_0003_01_00_01_6.jpg', live: false },
    { file: 'print/nuaa_0011_01_04_03_167.jpg', live: false },
  ];

  it.each(cases)('$file is scored live=$live', async ({ file, live }) => {
    const detector = await loadPassiveTextureDetector({ modelsDir });
    const image = await decodeImage(await readFile(path.join(spoofDir, file)));
    const result = detector.score(image);
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(1);
    expect(result.live).toBe(live);
    expect(result.threshold).toBe(detector.threshold);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
  });
});
