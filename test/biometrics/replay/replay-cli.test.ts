// The replay command line on clips made here with ffmpeg from a real photo: the JSON fields other
// programs read, a self-contained HTML report, a folder of frames, the frame plan, and a missing model.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFrames } from '../../../src/biometrics/replay/frame-plan.ts';
import { openFrameSource } from '../../../src/biometrics/replay/frame-source.node.ts';
import { replayFramesMax, replaySegmentFrames } from '../../../src/shared/limits.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const photo = path.resolve(repoRoot, '../shared/data/spoof/real/nuaa_0003_01_00_01_0.jpg');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-nostdin', ...args]);
}

describe('replay CLI', () => {
  let dir: string;
  let clip: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'replay-cli-'));
    clip = path.join(dir, 'clip.mp4');
    // The photo on a grey canvas, drifting a little: 8 frames at 10 fps.
    const filter =
      "scale=-2:200,pad=400:400:100:100:color=0x707070,crop=380:380:'10*n/8':'6*n/8',format=yuv420p";
    await ffmpeg(['-loop', '1', '-i', photo, '-vf', filter, '-r', '10', '-frames:v', '8', clip]);
    await mkdir(path.join(dir, 'frames'));
    for (const n of [1, 2, 10])
      await ffmpeg([
        '-i',
        clip,
        '-vf',
        `select=eq(n\\,${n % 8})`,
        '-frames:v',
        '1',
        path.join(dir, 'frames', `f${n}.png`),
      ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes {frames, framesWithFace, liveness, decision, timings, session} and a self-contained HTML report', async () => {
    const json = path.join(dir, 'out.json');
    const html = path.join(dir, 'report.html');
    const { stdout } = await run(
      tsx,
      ['scripts/replay.ts', clip, '--json', json, '--report', html],
      { cwd: repoRoot },
    );
    expect(stdout).toContain('per-frame ms');
    // The still photo's eyes never close: the blink row (on the mesh + iris lids) says so.
    expect(stdout).toMatch(/blinks \(face mesh \+ iris\)\s+none/);
    const out = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual([
      'decision',
      'frames',
      'framesWithFace',
      'liveness',
      'session',
      'timings',
    ]);
    expect(out['frames']).toBe(8);
    expect(out['framesWithFace']).toBe(8);
    const liveness = out['liveness'] as { passed: boolean; reasons: string[]; blinks: number };
    // A still photo drifting on a canvas: no blink, no 3-D motion, so never live.
    expect(liveness.passed).toBe(false);
    expect(liveness.reasons).toEqual(expect.arrayContaining(['no_blink', 'no_3d_motion']));
    expect(out['decision']).toMatchObject({ outcome: 'refuse' });
    // The kiosk's streaming session on the same frames: 8 frames are too few to decide anything.
    expect(out['session']).toMatchObject({
      policy: 'natural',
      outcome: 'undecided',
      reasons: ['recording_ended'],
      framesUsed: 8,
      frameIndex: null,
    });
    const timings = out['timings'] as Record<string, number>;
    expect(Object.keys(timings).sort()).toEqual(['perFrameMsMedian', 'perFrameMsP95']);
    expect(timings['perFrameMsMedian']).toBeGreaterThan(0);
    expect(timings['perFrameMsP95']).toBeGreaterThanOrEqual(timings['perFrameMsMedian'] ?? 0);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('kiosk session');
    expect(page).toMatch(/src="data:image\/jpeg;base64,[A-Za-z0-9+/=]{100,}"/);
    expect(page).not.toMatch(/(src|href)="https?:/);
  });

  it('reads a folder of image frames at the given frame rate', async () => {
    const json = path.join(dir, 'folder.json');
    await run(tsx, ['scripts/replay.ts', path.join(dir, 'frames'), '--json', json, '--fps', '10'], {
      cwd: repoRoot,
    });
    const out = JSON.parse(await readFile(json, 'utf8')) as {
      frames: number;
      liveness: { source: { kind: string } };
    };
    expect(out.frames).toBe(3);
    expect(out.liveness.source.kind).toBe('folder');
  });

  it("gives a recording's opening frames consecutively, as a camera shows them (the session's pass)", async () => {
    for (const [input, count] of [
      [clip, 5],
      [path.join(dir, 'frames'), 2],
    ] as const) {
      const source = await openFrameSource(input, { folderFps: 10 });
      const frames = [];
      for await (const frame of source.opening(count)) frames.push(frame);
      expect(frames.map((f) => f.index)).toEqual([...Array(count).keys()]);
      expect(frames.every((f) => f.segment === 0 && f.timestampMs === f.index * 100)).toBe(true);
    }
  });

  it('refuses to run without its models: no score from a missing model', async () => {
    const empty = path.join(dir, 'no-models');
    await mkdir(empty);
    await expect(
      run(tsx, ['scripts/replay.ts', clip, '--json', path.join(dir, 'x.json'), '--models', empty], {
        cwd: repoRoot,
      }),
    ).rejects.toThrow();
  });
});

describe('frame plan', () => {
  it('reads a short clip whole and samples a long one in evenly spread runs of consecutive frames', () => {
    expect(planFrames(100)).toEqual({
      segments: [{ start: 0, count: 100 }],
      total: 100,
      sampled: false,
    });
    const long = planFrames(4800);
    expect(long.sampled).toBe(true);
    expect(long.total).toBeLessThanOrEqual(replayFramesMax);
    expect(long.segments.every((s) => s.count === replaySegmentFrames)).toBe(true);
    const starts = long.segments.map((s) => s.start);
    const gaps = starts.slice(1).map((s, i) => s - (starts[i] ?? 0));
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
    expect((starts.at(-1) ?? 0) + replaySegmentFrames).toBeLessThanOrEqual(4800);
  });
});
