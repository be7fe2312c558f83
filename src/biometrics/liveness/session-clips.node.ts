// Labelled clips for measuring the passive check over a kiosk session (many frames of one person): each
// clip's opening read by the kiosk's tracker at a kiosk frame rate, every face crop's texture features cached.
//
// Groups say what a clip shares with the passive corpus (pad-corpus.node.ts), so that a per-frame model
// scoring a clip never saw its person or camera: a pair clip's set is pad:<set>, a print clip's subject
// is nuaa:<subject>, the webcam women are video:selfie_61dc1b5f+b75.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assert } from '../../shared/assert.ts';
import { sha256Hex } from '../calibration/acquire.node.ts';
import type { FaceTracker } from '../face-tracker.ts';
import { openFrameSource } from '../replay/frame-source.node.ts';
import { isVideoFile } from '../replay/video-files.ts';
import { passiveCrop } from '../replay/pipeline.ts';
import type { TextureFeatureSpec } from './texture-features.ts';
import { textureFeatures } from './texture-features.ts';

export type ClipKind = 'live' | 'replay' | 'print';

export interface SessionClip {
  readonly name: string;
  readonly file: string;
  readonly live: boolean;
  readonly kind: ClipKind;
  /** Clips of one person or camera share a group; left out together. */
  readonly group: string;
  /** Passive-corpus groups a per-frame model that scores this clip must not be fitted on. */
  readonly corpusGroups: readonly string[];
}

export interface ClipFrame {
  readonly timestampMs: number;
  /** null: no face crop this frame (the kiosk scores nothing either). */
  readonly features: readonly number[] | null;
  /** Side of the square crop in pixels (before the features resize it), null without a crop. */
  readonly cropSide: number | null;
}

export interface ClipFeatures {
  readonly clip: SessionClip;
  readonly frames: readonly ClipFrame[];
}

export interface ClipReadOptions {
  readonly spec: TextureFeatureSpec;
  readonly cropScale: number;
  /** The kiosk's camera rate: the clip's frames are thinned to about this many a second. */
  readonly framesPerSecond: number;
  /** Opening of the clip read, in seconds. */
  readonly seconds: number;
  readonly cacheDir: string;
}

async function media(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter(isVideoFile)
    .sort()
    .map((n) => path.join(dir, n));
}

/** The recorded clips of shared/data/video: live selfies, their replays, live/attack pairs, webcam clips. */
export async function listRecordedClips(dataRoot: string): Promise<SessionClip[]> {
  const video = path.join(dataRoot, 'video');
  const out: SessionClip[] = [];
  for (const file of await media(path.join(video, 'live'))) {
    const name = path.basename(file);
    out.push({ name, file, live: true, kind: 'live', group: `clip:${name}`, corpusGroups: [] });
  }
  for (const file of await media(path.join(video, 'replay'))) {
    const name = path.basename(file);
    out.push({ name, file, live: false, kind: 'replay', group: `clip:${name}`, corpusGroups: [] });
  }
  const pairs = (await readdir(path.join(video, 'pairs'), { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const set of pairs) {
    for (const file of await media(path.join(video, 'pairs', set))) {
      const live = path.basename(file).startsWith('live');
      out.push({
        name: `${set}/${path.basename(file)}`,
        file,
        live,
        kind: live ? 'live' : 'replay',
        group: `pair:${set}`,
        corpusGroups: [`pad:${set}`],
      });
    }
  }
  for (const file of await media(path.join(video, 'webcam'))) {
    const name = path.basename(file);
    const person = name.replace(/-\d+\.[a-z0-9]+$/i, '');
    // The two webcam women may be one person (data README): one group, as in the passive corpus.
    const together = ['selfie_61dc1b5f', 'selfie_61dc1b75'].includes(person);
    out.push({
      name,
      file,
      live: true,
      kind: 'live',
      group: together ? 'person:selfie_61dc1b5f+b75' : `person:${person}`,
      corpusGroups: together ? ['video:selfie_61dc1b5f+b75'] : [],
    });
  }
  const talking = path.join(video, 'talking-face.mp4');
  out.push({
    name: 'talking-face.mp4',
    file: talking,
    live: true,
    kind: 'live',
    group: 'video:talking-face',
    corpusGroups: ['video:talking-face'],
  });
  return out;
}

/** The clip's opening as the kiosk reads it: tracked frame by frame, cropped as the session crops. */
export async function readClipFeatures(
  clip: SessionClip,
  tracker: FaceTracker,
  options: ClipReadOptions,
): Promise<ClipFeatures> {
  assert(options.framesPerSecond > 0 && options.seconds > 0, 'rate and length must be positive');
  const key = sha256Hex(
    JSON.stringify({
      sha: sha256Hex(await readFile(clip.file)),
      spec: options.spec,
      cropScale: options.cropScale,
      fps: options.framesPerSecond,
      seconds: options.seconds,
      version: 'session-clip-v1',
    }),
  ).slice(0, 24);
  const cacheFile = path.join(options.cacheDir, 'session-clips', `${key}.json`);
  try {
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { frames: ClipFrame[] };
    return { clip, frames: cached.frames };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const source = await openFrameSource(clip.file, { folderFps: options.framesPerSecond });
  const step = Math.max(1, Math.round(source.framesPerSecond / options.framesPerSecond));
  const count = Math.ceil(options.seconds * source.framesPerSecond);
  tracker.reset();
  const frames: ClipFrame[] = [];
  let ordinal = 0;
  for await (const frame of source.opening(count)) {
    const kept = ordinal % step === 0;
    ordinal += 1;
    if (!kept) continue;
    const result = await tracker.processFrame(frame.image, { describe: false });
    const crop = passiveCrop(frame.image, result, options.cropScale);
    frames.push({
      timestampMs: frame.timestampMs,
      features:
        crop === null ? null : Array.from(textureFeatures({ ...crop, channels: 3 }, options.spec)),
      cropSide: crop === null ? null : crop.width,
    });
  }
  tracker.reset();
  await mkdir(path.dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, JSON.stringify({ name: clip.name, frames }));
  return { clip, frames };
}
