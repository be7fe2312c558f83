// eval:liveness refits the passive threshold leave-one-video-out (issue 8): in its JSON each fold's passive
// threshold is train:pad's rule on the other clips' passive medians, so no clip's own score set the
// threshold that decided it, and the model's own threshold is kept beside it (outOfSampleShippedPassive).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FoldClip } from '../../src/biometrics/liveness/liveness-folds.ts';
import { passivePointOf } from '../../src/biometrics/liveness/liveness-folds.ts';
import { padCvOptions } from '../../src/biometrics/liveness/pad-protocol.node.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

interface Report {
  rows: { name: string; fold: FoldClip }[];
  leaveOneVideoOut: {
    folds: {
      heldOut: string;
      passiveThreshold: number | null;
      passiveRefuseBelow: number | null;
      decisions: { name: string; live: boolean; passiveThreshold?: number | null }[];
    }[];
    outOfSample: { kind: string; n: number }[];
    outOfSampleShippedPassive: { kind: string; n: number }[];
    inSample: { rulePassive: { threshold: number; refuseBelow: number } };
  };
}

describe('eval:liveness leave-one-video-out passive threshold', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-liveness-passive-folds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("decides each held-out photo at a passive threshold fitted on the other clips' medians", async () => {
    const json = path.join(dir, 'folds.json');
    const args = ['scripts/eval-liveness-video.ts', '--only', 'synthetic', '--frames', '10'];
    args.push('--photo', 'spoof/print/nuaa_0001_00_00_01_0.jpg');
    args.push('--photo', 'faces/facerec_obama/1.jpg', '--json', json);
    const { stdout } = await run(tsx, args, { cwd: repoRoot });
    const report = JSON.parse(await readFile(json, 'utf8')) as Report;
    const clips = report.rows.map((r) => r.fold);
    for (const c of clips) expect(c.passive?.restLiveAt.length, c.name).toBe(c.liveAt.length);
    const folds = report.leaveOneVideoOut.folds;
    expect(folds).toHaveLength(2);
    for (const fold of folds) {
      const point = passivePointOf(
        clips.filter((c) => c.group !== fold.heldOut),
        padCvOptions.targets,
      );
      expect(fold.passiveThreshold, fold.heldOut).toBe(point.threshold);
      expect(fold.passiveRefuseBelow).toBe(point.refuseBelow);
      for (const d of fold.decisions) expect(d.passiveThreshold).toBe(point.threshold);
    }
    expect(report.leaveOneVideoOut.inSample.rulePassive).toEqual(
      passivePointOf(clips, padCvOptions.targets),
    );
    expect(report.leaveOneVideoOut.outOfSampleShippedPassive).toEqual([
      expect.objectContaining({ kind: 'photo', n: 4 }),
    ]);
    const out = stdout.indexOf('OUT OF SAMPLE for every fitted part, leave-one-video-out');
    expect(stdout.slice(out)).toMatch(/passive threshold by train:pad's rule/);
    expect(stdout.indexOf('IN SAMPLE, beside')).toBeGreaterThan(out);
    expect(stdout).toMatch(/IN SAMPLE, not refitted .*sessionParallaxMin/);
  });
});
