// Recordings as people make them, made here with ffmpeg for the frame source's and the camera clip's
// tests: a browser's MediaRecorder webm, a variable-rate phone clip with a rotation tag, a trimmed clip.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { assert } from '../../../src/shared/assert.ts';

const run = promisify(execFile);

export async function ffprobeJson(file: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...args, '-of', 'json', file]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The decoded frames' own times in ms from the first, as ffprobe's decoder gives them. */
export async function decodedFrameTimesMs(file: string): Promise<number[]> {
  const entries = ['-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time'];
  const info = await ffprobeJson(file, entries);
  const frames = info['frames'] as { best_effort_timestamp_time: string }[];
  const seconds = frames.map((f) => Number(f.best_effort_timestamp_time));
  return seconds.map((s) => (s - (seconds[0] ?? 0)) * 1000);
}

/** Chrome's MediaRecorder writes no DefaultDuration: overwrite ffmpeg's with an EBML Void of equal size. */
function dropDefaultDurations(webm: Buffer): Buffer {
  const out = Buffer.from(webm);
  const firstCluster = out.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
  const id = Buffer.from([0x23, 0xe3, 0x83]);
  for (let at = out.indexOf(id); at >= 0 && at < firstCluster; at = out.indexOf(id, at + 1)) {
    const sizeByte = out[at + 3] ?? 0;
    assert((sizeByte & 0x80) === 0x80, 'ffmpeg writes DefaultDuration with a one-byte size');
    const total = 4 + (sizeByte & 0x7f);
    out.fill(0, at, at + total);
    out[at] = 0xec;
    out[at + 1] = 0x80 | (total - 2);
  }
  return out;
}

/** A phone's portrait tag (the same matrix as video/webcam/selfie_61dc1abd-4.3gp): shown turned 90°. */
function tagRotation(mp4: Buffer): Buffer {
  const out = Buffer.from(mp4);
  const at = out.indexOf(Buffer.from('tkhd')); // the first track: the video, mapped first
  assert(at > 0, 'an mp4 has a track header');
  const matrixAt = at + (out[at + 4] === 1 ? 56 : 44); // past the version 0 or 1 header fields
  const matrix = [0, -0x10000, 0, 0x10000, 0, 0, 0, 0, 0x40000000];
  matrix.forEach((value, k) => out.writeInt32BE(value, matrixAt + 4 * k));
  return out;
}

/**
 * 45 frames of 320x240 vp8 at about 15 fps, 0-13 ms of jitter on a ms clock, with opus sound, written
 * to a pipe as MediaRecorder writes: the muxer cannot go back to write a duration or cues.
 */
export async function makeMediaRecorderClip(dir: string): Promise<string> {
  const clip = path.join(dir, 'mediarecorder.webm');
  const { stdout } = await run(
    'ffmpeg',
    [
      ...['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-frames:v', '45'],
      ...['-vf', "settb=1/1000,setpts='(N/15+0.013*random(1))/TB'", '-fps_mode', 'vfr'],
      ...['-enc_time_base:v', '1/1000', '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus'],
      ...['-shortest', '-f', 'webm', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  await writeFile(clip, dropDefaultDurations(stdout));
  return clip;
}

/**
 * A phone clip held upright: coded 320x240 with a bright band along the coded top, tagged to be shown
 * turned 90°; 20 frames at 30 fps, then the phone drops to 15 fps for 10 (as in low light); the
 * sound runs on past the picture.
 */
export async function makePhoneClip(dir: string): Promise<string> {
  const plain = path.join(dir, 'phone-untagged.mp4');
  const clip = path.join(dir, 'phone.mp4');
  const band = 'drawbox=x=0:y=0:w=iw:h=40:color=white:t=fill';
  const times = "settb=1/1000,setpts='if(lt(N,20),N/30,20/30+(N-20)/15)/TB'";
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-nostdin', '-f', 'lavfi'],
    ...['-i', 'color=c=0x303030:size=320x240:rate=30', '-f', 'lavfi'],
    ...['-i', 'sine=frequency=440:duration=2.5', '-map', '0:v', '-map', '1:a'],
    ...['-frames:v', '30', '-vf', `${band},${times}`, '-fps_mode', 'vfr'],
    ...['-enc_time_base:v', '1/1000', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
    plain,
  ]);
  await writeFile(clip, tagRotation(await readFile(plain)));
  return clip;
}

/**
 * A clip trimmed on the phone without re-encoding: cut 1 s into a 3 s, 30 fps recording whose only
 * keyframe is the first, so an edit list hides the 30 frames decoded before the cut.
 */
export async function makeTrimmedClip(dir: string): Promise<string> {
  const whole = path.join(dir, 'untrimmed.mp4');
  const clip = path.join(dir, 'trimmed.mp4');
  const encode = ['-c:v', 'libx264', '-g', '300', '-pix_fmt', 'yuv420p', whole];
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30'],
    ...['-frames:v', '90', ...encode],
  ]);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-nostdin',
    '-ss',
    '1',
    '-i',
    whole,
    '-c',
    'copy',
    clip,
  ]);
  return clip;
}
