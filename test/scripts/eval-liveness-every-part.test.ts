// eval:liveness's leave-one-video-out figure leads with the clips out of sample for every fitted part of
// the recording decision, not only for the two it refits: the PAD weights and the hand-set parallaxMin/blinksMin.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

interface Tally {
  kind: string;
  n: number;
}

interface Report {
  rows: { fold: { name: string }; sampleBy: { pad: string } }[];
  leaveOneVideoOut: {
    outOfSample: Tally[];
    outOfSampleEveryPart?: Tally[];
    outOfSamplePadUntrained: Tally[];
  };
}

describe('eval:liveness out of sample for every fitted part', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-liveness-every-part-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves out clips the PAD weights trained on and clips the hand-set bounds were set on', async () => {
    const json = path.join(dir, 'every-part.json');
    const args = ['scripts/eval-liveness-video.ts', '--only', 'synthetic', '--frames', '10'];
    // A NUAA print (PAD weights trained on its person; a default photo, so parallaxMin was set on its
    // clips), a default web photo (PAD never trained on it; bounds set on its clips) and a web photo
    // used for neither: only the last photo's two clips are out of sample for every part.
    args.push('--photo', 'spoof/print/nuaa_0001_00_00_01_0.jpg');
    args.push('--photo', 'faces/deepface_01/1.jpg');
    args.push('--photo', 'faces/facerec_obama/1.jpg', '--json', json);
    const { stdout } = await run(tsx, args, { cwd: repoRoot });
    const report = JSON.parse(await readFile(json, 'utf8')) as Report;
    const pad = Object.fromEntries(report.rows.map((r) => [r.fold.name, r.sampleBy.pad]));
    expect(pad['faces/deepface_01/1.jpg photo pan-zoom']).toBe('out-of-sample');
    expect(pad['spoof/print/nuaa_0001_00_00_01_0.jpg photo pan-zoom']).toBe('in-sample');
    const l = report.leaveOneVideoOut;
    expect(l.outOfSample).toEqual([expect.objectContaining({ kind: 'photo', n: 6 })]);
    expect(l.outOfSamplePadUntrained).toEqual([expect.objectContaining({ kind: 'photo', n: 4 })]);
    expect(l.outOfSampleEveryPart).toEqual([expect.objectContaining({ kind: 'photo', n: 2 })]);
    // The first line headed OUT OF SAMPLE is that figure; all six clips are printed as out of sample for
    // the refitted bounds only.
    const lines = stdout.split('\n');
    const head = lines.findIndex((line) => line.startsWith('OUT OF SAMPLE'));
    expect(lines[head]).toMatch(/^OUT OF SAMPLE for every fitted part.*photo refused \d\/2 /);
    expect(lines[head + 1]).toMatch(
      /every clip, out of sample for the blink bound and passive threshold only .*photo refused \d\/6 /,
    );
  });
});
