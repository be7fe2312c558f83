// eval:liveness refits the blink bound leave-one-video-out (issue 8): it prints the held-out figure first
// and the in-sample one after it, labelled, and in its JSON each fold's bound is the rule's choice on the
// other clips' own counts, so no clip helped choose the bound that decided it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBound } from '../../src/biometrics/liveness/active/blink-bound-cv.ts';
import { blinkClosedFractionCandidates } from '../../src/biometrics/liveness/active/blink-labels.ts';
import type { FoldClip } from '../../src/biometrics/liveness/liveness-folds.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

interface Report {
  rows: { name: string; fold: FoldClip }[];
  boundSources: { bound: string; how: string }[];
  leaveOneVideoOut: {
    closedFractions: number[];
    folds: { heldOut: string; closedFraction: number | null; decisions: { name: string }[] }[];
    outOfSample: { kind: string; n: number }[];
    inSample: { rule: unknown[]; shipped: unknown[] };
  };
}

describe('eval:liveness leave-one-video-out', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-liveness-folds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decides each held-out photo at a bound fitted without it, printed before the in-sample one', async () => {
    const json = path.join(dir, 'folds.json');
    const args = ['scripts/eval-liveness-video.ts', '--only', 'synthetic', '--frames', '10'];
    args.push('--photo', 'spoof/print/nuaa_0001_00_00_01_0.jpg');
    args.push('--photo', 'faces/facerec_obama/1.jpg', '--json', json);
    const { stdout } = await run(tsx, args, { cwd: repoRoot });
    const report = JSON.parse(await readFile(json, 'utf8')) as Report;
    const folds = report.leaveOneVideoOut.folds;
    expect(folds.map((f) => f.heldOut).sort()).toEqual([
      'photo/faces/facerec_obama/1.jpg',
      'photo/spoof/print/nuaa_0001_00_00_01_0.jpg',
    ]);
    expect(report.leaveOneVideoOut.closedFractions).toEqual(blinkClosedFractionCandidates);
    const clips = report.rows.map((r) => r.fold);
    for (const fold of folds) {
      const own = clips.filter((c) => c.group === fold.heldOut);
      expect(fold.decisions.map((d) => d.name).sort()).toEqual(own.map((c) => c.name).sort());
      const others = clips
        .filter((c) => c.group !== fold.heldOut)
        .map((c) => ({ ...c, role: 'attack' as const }));
      const { index } = chooseBound(others, blinkClosedFractionCandidates.length, 'labels');
      expect(fold.closedFraction).toBe(
        index === null ? null : blinkClosedFractionCandidates[index],
      );
    }
    expect(report.leaveOneVideoOut.outOfSample).toEqual([
      expect.objectContaining({ kind: 'photo', n: 4 }),
    ]);
    expect(report.boundSources.map((b) => b.how).join(' ')).toMatch(/by hand/);
    const out = stdout.indexOf('OUT OF SAMPLE for every fitted part, leave-one-video-out');
    const inSample = stdout.indexOf('IN SAMPLE, beside');
    expect(out).toBeGreaterThan(0);
    expect(inSample).toBeGreaterThan(out);
    expect(stdout).toMatch(/parallaxMin 0\.12 \(decision\.ts defaultDecisionPolicy\): by hand/);
  });
});
