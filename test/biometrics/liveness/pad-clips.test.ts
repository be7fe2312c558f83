// The labelled clips eval:pad --with-clips adds: each pair clip sits in its pad/ set's group (same person
// and camera, held out together), a labelled recording's frames are clips-domain samples with its label,
// the photo clips' names do not collide, and a test recording (video/replay) still cannot train.
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attackClipStem,
  padAttackMotions,
  padAttackPhotos,
  padPairRecordings,
} from '../../../src/biometrics/liveness/pad-clips.node.ts';
import { listRecordingFrames } from '../../../src/biometrics/liveness/pad-corpus.node.ts';

const dataRoot = path.resolve(import.meta.dirname, '../../../../shared/data');

describe('pad clips', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'pad-clips-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('puts each pair clip in its pad/ set group, or its own when the set has no crops', async () => {
    const pairs = await padPairRecordings(dataRoot);
    const lestari = pairs.filter((r) => r.file.includes('lestari15'));
    expect(lestari.map((r) => r.group)).toEqual(['pad:lestari15', 'pad:lestari15']);
    expect(lestari.map((r) => r.label?.live).sort()).toEqual([false, true]);
    const zubair = pairs.filter((r) => r.file.includes('ZubairCracksCode'));
    expect(new Set(zubair.map((r) => r.group))).toEqual(new Set(['video:ZubairCracksCode']));
    const attack = pairs.find((r) => r.file.endsWith('Manikantha-M/attack.mp4'));
    expect(attack?.label).toEqual({ live: false, species: 'replay' });
  });

  it('names every photo clip apart (two photos are called 1.jpg) and groups prints by subject', () => {
    const stems = padAttackPhotos.flatMap((p) =>
      padAttackMotions.map((m) => attackClipStem(p.file, m)),
    );
    expect(new Set(stems).size).toBe(stems.length);
    for (const photo of padAttackPhotos.filter((p) => p.file.includes('nuaa_')))
      expect(photo.group).toBe(`nuaa:${/nuaa_(\d{4})_/.exec(photo.file)?.[1]}`);
  });

  it("reads a labelled recording's frames as clips-domain samples with its label", async () => {
    const frames = await listRecordingFrames(dataRoot, cacheDir, [
      {
        file: 'video/pairs/lestari15/attack.mp4',
        group: 'pad:lestari15',
        fps: 4,
        frames: 6,
        label: { live: false, species: 'replay' },
      },
    ]);
    expect(frames).toHaveLength(6);
    for (const f of frames) {
      expect(f).toMatchObject({ domain: 'clips', live: false, species: 'replay' });
      expect(f.group).toBe('pad:lestari15');
    }
  });

  it('refuses to train on a test recording even when it is labelled', async () => {
    const replay = await realpath(path.join(dataRoot, 'video/replay/replay-01.mp4'));
    await expect(
      listRecordingFrames(dataRoot, cacheDir, [
        { file: replay, group: 'x', fps: 1, frames: 1, label: { live: false, species: 'replay' } },
      ]),
    ).rejects.toThrow(/test recording/);
  });
});
