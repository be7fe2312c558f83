// The eval:pad command line on a small temporary folder (folder mode, detector crops): images, a corrupt
// file and a short video, run as a child process like CI does; the JSON keeps its field names.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const spoofDir = path.resolve(repoRoot, '../shared/data/spoof');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

describe('eval-pad CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-pad-'));
    await mkdir(path.join(dir, 'real'));
    await mkdir(path.join(dir, 'attack'));
    await copyFile(
      path.join(spoofDir, 'real/nuaa_0003_01_00_01_215.jpg'),
      path.join(dir, 'real/a.jpg'),
    );
    await copyFile(
      path.join(spoofDir, 'real/nuaa_0005_00_00_02_343.jpg'),
      path.join(dir, 'real/b.jpg'),
    );
    await copyFile(
      path.join(spoofDir, 'print/nuaa_0003_01_00_01_6.jpg'),
      path.join(dir, 'attack/c.jpg'),
    );
    await writeFile(path.join(dir, 'attack/broken.jpg'), Buffer.from('not a jpeg at all'));
    await writeFile(path.join(dir, 'attack/notes.txt'), 'ignored: not an image');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes {apcer, bpcer, attacks, reals, failedToAcquire} and prints a table', async () => {
    const json = path.join(dir, 'out.json');
    const args = [
      'scripts/eval-pad.ts',
      '--real',
      path.join(dir, 'real'),
      '--attack',
      path.join(dir, 'attack'),
      '--json',
      json,
    ];
    const { stdout } = await run(tsx, args, { cwd: repoRoot });
    expect(stdout).toContain('APCER');
    expect(stdout).toContain('BPCER');
    const report = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ reals: 2, attacks: 2, failedToAcquire: 1, apcer: 0, bpcer: 0 });
    expect(report['failedToAcquireAttack']).toBe(1);
    // Two live-band NUAA faces and a print in the attack band (in-sample for pad-texture-v3).
    expect(report['modelId']).toBe('pad-texture-v3');
    const samples = report['samples'] as { file: string; score: number | null; reason?: string }[];
    expect(samples.find((s) => s.file.endsWith('broken.jpg'))).toMatchObject({
      score: null,
      reason: 'image_corrupt',
    });
  });

  it('takes evenly spaced frames of a video, each one presentation', async () => {
    const videoDir = path.join(dir, 'video');
    await mkdir(videoDir);
    const still = path.join(spoofDir, 'real/nuaa_0003_01_00_01_0.jpg');
    const video = path.join(videoDir, 'clip.mp4');
    const ffmpegArgs = [
      '-v',
      'error',
      '-y',
      '-loop',
      '1',
      '-i',
      still,
      '-t',
      '1',
      '-r',
      '10',
      '-vf',
      'scale=200:200',
      '-pix_fmt',
      'yuv420p',
      video,
    ];
    await run('ffmpeg', ffmpegArgs);
    const json = path.join(dir, 'video.json');
    const args = [
      'scripts/eval-pad.ts',
      '--real',
      videoDir,
      '--attack',
      path.join(dir, 'attack'),
      '--frames-per-video',
      '3',
      '--json',
      json,
    ];
    await run(tsx, args, { cwd: repoRoot });
    const report = JSON.parse(await readFile(json, 'utf8')) as {
      reals: number;
      samples: { frame: number | null; live: boolean }[];
    };
    expect(report.reals).toBe(3);
    expect(report.samples.filter((s) => s.live).map((s) => s.frame)).toEqual([0, 1, 2]);
  });

  it('refuses to run without a model: startup error, non-zero exit', async () => {
    const empty = path.join(dir, 'no-models');
    await mkdir(empty);
    const args = [
      'scripts/eval-pad.ts',
      '--real',
      path.join(dir, 'real'),
      '--attack',
      path.join(dir, 'attack'),
      '--json',
      path.join(dir, 'x.json'),
      '--models',
      empty,
    ];
    const failure: unknown = await run(tsx, args, { cwd: repoRoot }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect(String((failure as { stderr: string }).stderr)).toContain('model_missing');
  });
});
