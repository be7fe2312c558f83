// eval:liveness labels every row in or out of sample (issue 8): a photo of a person the shipped PAD model
// was trained on (NUAA subject 0001's print, one of the clips the motion bounds were set on) is in sample;
// a photo of nobody it or the bounds were fitted on is out of sample, and the summary gives it first.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipSample, padTrainingGroupsOf } from '../../src/biometrics/liveness/eval-sample.ts';
import { padAttackPhotos } from '../../src/biometrics/liveness/pad-clips.node.ts';
import { padTextureEntry } from '../../src/biometrics/liveness/pad-texture.entry.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

interface Row {
  name: string;
  source: string | null;
  sample: string;
  sampleBy: { pad: string; motionBounds: string };
  frames: number;
}

describe('eval:liveness in/out of sample', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-liveness-sample-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('labels each row and prints the out-of-sample rows first', async () => {
    const json = path.join(dir, 'rows.json');
    const args = ['scripts/eval-liveness-video.ts', '--only', 'synthetic', '--frames', '10'];
    args.push('--photo', 'spoof/print/nuaa_0001_00_00_01_0.jpg');
    args.push('--photo', 'faces/facerec_obama/1.jpg', '--json', json);
    const { stdout } = await run(tsx, args, { cwd: repoRoot });
    const report = JSON.parse(await readFile(json, 'utf8')) as {
      rows: Row[];
      rates: unknown[];
      ratesBySample: Record<string, unknown[]>;
    };
    expect(report.rows).toHaveLength(4);
    for (const row of report.rows) {
      const nuaa = row.source === 'spoof/print/nuaa_0001_00_00_01_0.jpg';
      expect(row.source, row.name).toBe(nuaa ? row.source : 'faces/facerec_obama/1.jpg');
      expect(row.sample, row.name).toBe(nuaa ? 'in-sample' : 'out-of-sample');
      expect(row.sampleBy.pad, row.name).toBe(nuaa ? 'in-sample' : 'out-of-sample');
      expect(row.frames).toBe(10);
    }
    expect(Object.keys(report.ratesBySample).sort()).toEqual(['in-sample', 'out-of-sample']);
    expect(report.rates.length).toBeGreaterThan(0);
    const out = stdout.indexOf('\nOUT OF SAMPLE');
    expect(out).toBeGreaterThan(0);
    expect(out).toBeLessThan(stdout.indexOf('\nIN SAMPLE'));
  });

  it('finds 5 of the 7 default attack photos in the shipped PAD model training groups', async () => {
    const model: unknown = JSON.parse(
      await readFile(path.join(repoRoot, 'models', padTextureEntry.file), 'utf8'),
    );
    const groups = padTrainingGroupsOf(model);
    expect(groups).not.toBeNull();
    const basis = { padTrainingGroups: groups, motionBoundSources: [] };
    const pad = padAttackPhotos.map((photo) => clipSample(photo.file, basis).pad);
    expect(pad.filter((label) => label === 'in-sample')).toHaveLength(5);
    expect(clipSample('faces/deepface_01/1.jpg', basis).pad).toBe('out-of-sample');
    // Without its training groups listed, the PAD part cannot be told.
    expect(clipSample('faces/deepface_01/1.jpg', { ...basis, padTrainingGroups: null })).toEqual({
      sample: 'unknown',
      pad: 'unknown',
      motionBounds: 'out-of-sample',
    });
  });
});
