// eval:faces decides in sample by person, not by image file: re-encoded copies of the calibration's NUAA
// photos and NUAA crops of spoof/real (files calibration never hashed, of people it fitted on) are in
// sample; a thresholds file that does not list its fitted people makes them `unknown`, never out of sample.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const dataDir = path.resolve(repoRoot, '../shared/data');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
const thresholdsFile = path.join(repoRoot, 'models/thresholds.json');

const pairsCsv = [
  'img_a,img_b,label,subset',
  'nuaa_client_0001/1.jpg,nuaa_client_0001/2.jpg,1,nuaa',
  'nuaa_client_0001/1.jpg,nuaa_client_0003/1.jpg,0,nuaa',
  'nuaa_0001/a.jpg,nuaa_0001/b.jpg,1,spoof_real',
].join('\n');

interface Report {
  sample: Record<string, string>;
  subsets: Record<string, Record<string, number | null>>;
  outOfSample: Record<string, unknown>;
}

describe('eval-faces in/out of sample by person', () => {
  let dir: string;
  let root: string;
  let pairs: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-faces-people-'));
    root = path.join(dir, 'faces');
    // Re-encoded at another JPEG quality: other bytes, the same people the threshold was fitted on.
    for (const photo of [
      'nuaa_client_0001/1.jpg',
      'nuaa_client_0001/2.jpg',
      'nuaa_client_0003/1.jpg',
    ]) {
      await mkdir(path.dirname(path.join(root, photo)), { recursive: true });
      await sharp(path.join(dataDir, 'faces', photo))
        .jpeg({ quality: 83 })
        .toFile(path.join(root, photo));
    }
    // Webcam crops of NUAA subject 0001 from spoof/real: never hashed by calibration.
    await mkdir(path.join(root, 'nuaa_0001'));
    await copyFile(
      path.join(dataDir, 'spoof/real/nuaa_0001_00_00_01_0.jpg'),
      path.join(root, 'nuaa_0001/a.jpg'),
    );
    await copyFile(
      path.join(dataDir, 'spoof/real/nuaa_0001_00_00_01_202.jpg'),
      path.join(root, 'nuaa_0001/b.jpg'),
    );
    pairs = path.join(dir, 'pairs.csv');
    await writeFile(pairs, `${pairsCsv}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function evalFaces(thresholds: string): Promise<{ report: Report; stdout: string }> {
    const json = path.join(dir, `${path.basename(thresholds, '.json')}-report.json`);
    const args = ['scripts/eval-faces.ts', '--root', root, '--pairs', pairs, '--json', json];
    const { stdout } = await run(tsx, [...args, '--thresholds', thresholds], { cwd: repoRoot });
    return { report: JSON.parse(await readFile(json, 'utf8')) as Report, stdout };
  }

  it('labels new files of fitted people in sample, with the cross-validated figures first', async () => {
    const { report, stdout } = await evalFaces(thresholdsFile);
    expect(report.sample).toEqual({ nuaa: 'in-sample', spoof_real: 'in-sample' });
    // The calibration's cross-validated nuaa figures (people held out of the fit) come with them, first.
    expect(Object.keys(report.outOfSample)).toEqual(['nuaa']);
    expect(stdout.indexOf('OUT OF SAMPLE')).toBeLessThan(stdout.indexOf('MEASURED HERE'));
    expect(report.subsets['nuaa']).toMatchObject({ genuinePairs: 1, impostorPairs: 1 });
    expect(report.subsets['spoof_real']).toMatchObject({ genuinePairs: 1, impostorPairs: 0 });
    expect(stdout).toMatch(/spoof_real\s+.*in-sample/);
  });

  it('says unknown, not out-of-sample, when the thresholds file does not list its people', async () => {
    const calibrated = JSON.parse(await readFile(thresholdsFile, 'utf8')) as {
      dataset: Record<string, unknown>;
    };
    const dataset = { ...calibrated.dataset };
    delete dataset['fittedPeople'];
    const older = path.join(dir, 'older-thresholds.json');
    await writeFile(older, JSON.stringify({ ...calibrated, dataset }));
    const { report } = await evalFaces(older);
    expect(report.sample).toEqual({ nuaa: 'unknown', spoof_real: 'unknown' });
    expect(Object.keys(report.outOfSample)).toEqual(['nuaa']);
  });
});
