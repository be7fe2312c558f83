// The eval:faces command line on a tiny temporary data root (real photos of a few people and one picture
// with no face), run as a child process: exact JSON fields, failures to acquire, refusal on a model mismatch.
import { execFile } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const facesDir = path.resolve(repoRoot, '../shared/data/faces');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
const thresholdsFile = path.join(repoRoot, 'models/thresholds.json');

const photos = [
  'nuaa_client_0001/1.jpg',
  'nuaa_client_0001/2.jpg',
  'nuaa_client_0003/1.jpg',
  'orl_s01/1.jpg',
  'orl_s01/2.jpg',
  'orl_s02/1.jpg',
];
const pairsCsv = [
  'img_a,img_b,label,subset',
  'nuaa_client_0001/1.jpg,nuaa_client_0001/2.jpg,1,nuaa',
  'nuaa_client_0001/1.jpg,nuaa_client_0003/1.jpg,0,nuaa',
  'nuaa_client_0001/2.jpg,wall_0001/1.jpg,1,nuaa',
  'orl_s01/1.jpg,orl_s01/2.jpg,1,orl',
  'orl_s01/1.jpg,orl_s02/1.jpg,0,orl',
  'mirror_0001/1.jpg,mirror_0001/2.jpg,1,mirror',
].join('\n');

interface ChildFailure {
  code: number;
  stderr: string;
}

describe('eval-faces CLI', () => {
  let dir: string;
  let root: string;
  let pairs: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-faces-'));
    root = path.join(dir, 'faces');
    for (const photo of photos) {
      await mkdir(path.dirname(path.join(root, photo)), { recursive: true });
      await copyFile(path.join(facesDir, photo), path.join(root, photo));
    }
    // A textured wall with no face in it: decodes fine, the detector finds nobody.
    await mkdir(path.join(root, 'wall_0001'));
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#8a7f70' } })
      .blur(1)
      .jpeg()
      .toFile(path.join(root, 'wall_0001/1.jpg'));
    // Mirror images: the same person, but images no calibration ever saw (their sha256 differ).
    await mkdir(path.join(root, 'mirror_0001'));
    for (const n of [1, 2]) {
      await sharp(path.join(facesDir, `nuaa_client_0001/${n}.jpg`))
        .flop()
        .jpeg()
        .toFile(path.join(root, `mirror_0001/${n}.jpg`));
    }
    pairs = path.join(dir, 'pairs.csv');
    await writeFile(pairs, `${pairsCsv}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes exactly {modelId, backend, threshold, subsets} and counts the face-less pair', async () => {
    const json = path.join(dir, 'report.json');
    const args = ['scripts/eval-faces.ts', '--root', root, '--pairs', pairs, '--json', json];
    const { stdout } = await run(tsx, args, { cwd: repoRoot });
    expect(stdout).toContain('FNMR');
    const report = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    const calibrated = JSON.parse(await readFile(thresholdsFile, 'utf8')) as {
      threshold: number;
      modelId: string;
    };
    expect(Object.keys(report).sort()).toEqual([
      'backend',
      'failedToAcquireByReason',
      'modelId',
      'outOfSample',
      'sample',
      'subsets',
      'threshold',
    ]);
    // These photos are calibration images: their rates are in sample, and the calibration's
    // cross-validated figures for the same subsets come with them.
    expect(report['sample']).toEqual({
      mirror: 'out-of-sample',
      nuaa: 'in-sample',
      orl: 'in-sample',
    });
    const outOfSample = report['outOfSample'] as Record<string, { fmr: number | null }>;
    expect(Object.keys(outOfSample).sort()).toEqual(['nuaa', 'orl']);
    expect(stdout.indexOf('OUT OF SAMPLE')).toBeLessThan(stdout.indexOf('MEASURED HERE'));
    expect(report['modelId']).toBe(calibrated.modelId);
    expect(report['backend']).toBe('wasm');
    expect(report['threshold']).toBe(calibrated.threshold);
    const subsets = report['subsets'] as Record<string, Record<string, number | null>>;
    expect(Object.keys(subsets).sort()).toEqual(['mirror', 'nuaa', 'orl']);
    for (const entry of Object.values(subsets)) {
      expect(Object.keys(entry).sort()).toEqual(
        ['failedToAcquire', 'fmr', 'fnmr', 'genuinePairs', 'impostorPairs'].sort(),
      );
    }
    expect(subsets['nuaa']).toMatchObject({
      genuinePairs: 2,
      impostorPairs: 1,
      failedToAcquire: 1,
    });
    expect(subsets['orl']).toMatchObject({ genuinePairs: 1, impostorPairs: 1, failedToAcquire: 0 });
    // Failure to acquire by reason (issue 8): the face-less photo is counted once, under its reason.
    const byReason = report['failedToAcquireByReason'] as Record<
      string,
      { images: number; reasons: Record<string, number> }
    >;
    expect(Object.values(byReason['nuaa']?.reasons ?? {}).reduce((a, b) => a + b, 0)).toBe(1);
    expect(byReason['orl']?.reasons).toEqual({});
    // The face-less genuine pair is a non-match: FNMR is 1/2 or 2/2, never 0.
    expect([0.5, 1]).toContain(subsets['nuaa']?.['fnmr']);
    expect([0, 1]).toContain(subsets['nuaa']?.['fmr']);
  });

  it('refuses to run when the thresholds were calibrated for another model', async () => {
    const calibrated = JSON.parse(await readFile(thresholdsFile, 'utf8')) as Record<
      string,
      unknown
    >;
    const other = path.join(dir, 'other-thresholds.json');
    await writeFile(
      other,
      JSON.stringify({ ...calibrated, modelId: 'faceapi-recognition-128-000000000000' }),
    );
    const json = path.join(dir, 'refused.json');
    const args = [
      'scripts/eval-faces.ts',
      '--root',
      root,
      '--pairs',
      pairs,
      '--json',
      json,
      '--thresholds',
      other,
    ];
    const failure = (await run(tsx, args, { cwd: repoRoot }).then(
      () => null,
      (error: unknown) => error,
    )) as ChildFailure | null;
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(
      /refused: .* calibrated for faceapi-recognition-128-000000000000/,
    );
    await expect(access(json)).rejects.toThrow();
  });
});
