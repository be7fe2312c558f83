// `npm run eval:pitch -- [--pitch 0.12] [--parallax 0.12] [--ratio 1] [--json FILE]`: how far real heads
// and photo cards move the measures a look_up / look_down challenge would test, to set its bounds.
//
// Each clip is read by the kiosk's tracker as bench:challenge reads it (readClip), its frontal stretches
// found by bench:challenge's segment finder; the clip's frontal pitch is the pitch most of those frames
// lie within --pitch-band of, and the frame nearest it is the reference. Per frame: pitch change (pitchOf),
// the nose's vertical parallax against the reference (planarParallax().vertical) and the face's vertical
// shrink (its verticalForeshortening), as the look challenge reads them. Clips: the live people
// (video/live, the pairs' live halves, video/webcam), talking-face.mp4's first --talking-seconds, the
// replays (video/replay, the pairs' attack.*), and each padAttackPhotos photo made into a card-tilt and a
// card-turn clip (a temporary folder, removed at the end). Frames a challenge reads as a turn (|yaw change|
// >= turnYaw) and frames whose pitch ratio collapsed (the mouth not below the eye line: landmarks fitted
// to a profile) are left out of the figures and counted. `--from-json FILE` summarises an earlier run's
// --json again under other bounds, without the tracker.
//
// The defaults are the bounds the first run suggested (see the margins it prints): card-tilt photos
// reach a pitch change of 0.087 and a matching parallax of 0.089, while 11 real looks in 6 live clips
// pass all three with the weakest at pitch 0.126 and parallax 0.154.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import type { FaceTracker } from '../src/biometrics/face-tracker.ts';
import { defaultContinuityOptions } from '../src/biometrics/liveness/active/face-continuity.ts';
import { attackClipStem, padAttackPhotos } from '../src/biometrics/liveness/pad-clips.node.ts';
import { makeAttackClip } from '../src/biometrics/replay/attack-clips.node.ts';
import { challengeOptions, videoDir } from './bench-challenge/clips.ts';
import { readClip } from './bench-challenge/clip-frames.ts';
import { replayClipFiles } from './bench-challenge/replay.ts';
import { say } from './bench-challenge/report.ts';
import { findSegments } from './bench-challenge/segments.ts';
import type { PitchClip } from './eval-pitch/report.ts';
import { printClipRow, printHeader, printSummary } from './eval-pitch/report.ts';
import type { LookBounds } from './eval-pitch/summary.ts';
import { pitchBaseline, pitchFrames, readableFrames, summariseClip } from './eval-pitch/summary.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(videoDir, '..');
const cardMotions = ['card-tilt', 'card-turn'] as const;

interface Source {
  readonly file: string;
  readonly kind: PitchClip['kind'];
  readonly framesMax: number;
}

async function measure(
  source: Source,
  tracker: FaceTracker,
  options: { bounds: LookBounds; pitchBand: number },
): Promise<PitchClip> {
  const read = await readClip(source.file, tracker, source.framesMax);
  const segments = findSegments(read.readings, challengeOptions, defaultContinuityOptions);
  const baseline = pitchBaseline(read.readings, segments, options.pitchBand);
  const clip = summarised(
    {
      name: read.name,
      kind: source.kind,
      framesPerSecond: read.framesPerSecond,
      framesRead: read.readings.length,
      framesWithFace: read.readings.filter((r) => r.face !== null).length,
      baseline,
      frames: baseline === null ? [] : pitchFrames(read.readings, baseline),
    },
    options.bounds,
  );
  printClipRow(clip);
  return clip;
}

type Measured = Omit<PitchClip, 'readable' | 'summary'>;

/** The figures of a measured clip under the bounds: from a run, or from an earlier run's --json. */
function summarised(measured: Measured, bounds: LookBounds): PitchClip {
  const readable = readableFrames(measured.frames, challengeOptions.turnYaw);
  return { ...measured, readable, summary: summariseClip(readable.frames, bounds) };
}

/** --from-json: an earlier run's clips summarised again under other bounds, without the tracker. */
async function fromJson(file: string, bounds: LookBounds): Promise<PitchClip[]> {
  const stored = JSON.parse(await readFile(file, 'utf8')) as { clips?: Measured[] };
  if (!Array.isArray(stored.clips))
    throw new Error(`${file}: no clips (not an eval:pitch --json file)`);
  say(`clips from ${file}`);
  printHeader();
  return stored.clips.map((measured) => {
    const clip = summarised(measured, bounds);
    printClipRow(clip);
    return clip;
  });
}

/** The clip as measured: --from-json summarises it again. */
function jsonClip(clip: PitchClip): Measured {
  return {
    name: clip.name,
    kind: clip.kind,
    framesPerSecond: clip.framesPerSecond,
    framesRead: clip.framesRead,
    framesWithFace: clip.framesWithFace,
    baseline: clip.baseline,
    frames: clip.frames,
  };
}

/** bench:challenge's clips (live clips, the talking face, the replay / attack clips), the talking face cut
 * to its first talkingSeconds (24 fps, 200 s). */
async function recordedSources(talkingSeconds: number): Promise<Source[]> {
  const talking = path.join(videoDir, 'talking-face.mp4');
  return (await replayClipFiles()).map(({ file, kind }) => ({
    file,
    kind: kind === 'attack' ? ('replay' as const) : ('live' as const),
    framesMax: file === talking ? Math.round(talkingSeconds * 24) : Infinity,
  }));
}

async function cardClips(
  dir: string,
  frames: number,
  run: (source: Source) => Promise<PitchClip>,
): Promise<PitchClip[]> {
  const out: PitchClip[] = [];
  for (const motion of cardMotions)
    for (const photo of padAttackPhotos) {
      const output = path.join(dir, `${attackClipStem(photo.file, motion)}.mp4`);
      const input = path.join(dataRoot, photo.file);
      await makeAttackClip({
        photo: input,
        output,
        motion,
        frames,
        framesPerSecond: 25,
        side: 480,
      });
      out.push(await run({ file: output, kind: motion, framesMax: Infinity }));
      await rm(output, { force: true });
    }
  return out;
}

function parse(): {
  bounds: LookBounds;
  pitchBand: number;
  talkingSeconds: number;
  frames: number;
  json: string | undefined;
  fromJson: string | undefined;
  models: string;
} {
  const { values } = parseArgs({
    options: {
      pitch: { type: 'string', default: '0.12' },
      parallax: { type: 'string', default: '0.12' },
      ratio: { type: 'string', default: '1' },
      'pitch-band': { type: 'string', default: '0.025' },
      'talking-seconds': { type: 'string', default: '20' },
      frames: { type: 'string', default: '150' },
      json: { type: 'string' },
      'from-json': { type: 'string' },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
    },
  });
  const n = (v: string): number => Number(v);
  const bounds = {
    pitch: n(values.pitch),
    parallax: n(values.parallax),
    pitchPerShrink: n(values.ratio),
  };
  const ok =
    bounds.pitch > 0 &&
    bounds.parallax > 0 &&
    bounds.pitchPerShrink >= 0 &&
    n(values['pitch-band']) > 0 &&
    n(values['talking-seconds']) > 0 &&
    Number.isInteger(n(values.frames)) &&
    n(values.frames) >= 10 &&
    n(values.frames) <= 600;
  if (!ok) {
    console.error(
      'usage: eval-pitch [--pitch >0] [--parallax >0] [--ratio >=0] [--pitch-band >0] [--talking-seconds >0] [--frames 10..600] [--json file] [--from-json file] [--models dir]',
    );
    process.exit(2);
  }
  return {
    bounds,
    pitchBand: n(values['pitch-band']),
    talkingSeconds: n(values['talking-seconds']),
    frames: n(values.frames),
    json: values.json,
    fromJson: values['from-json'],
    models: values.models,
  };
}

async function measureAll(options: ReturnType<typeof parse>): Promise<PitchClip[]> {
  const tracker = await createFaceTracker({ modelsDir: options.models });
  say(
    `backend ${tracker.backend}; bounds ${JSON.stringify(options.bounds)}, pitch band ${options.pitchBand}`,
  );
  printHeader();
  const run = (source: Source): Promise<PitchClip> => measure(source, tracker, options);
  const clips: PitchClip[] = [];
  for (const source of await recordedSources(options.talkingSeconds)) clips.push(await run(source));
  const dir = await mkdtemp(path.join(tmpdir(), 'facepay-pitch-'));
  try {
    clips.push(...(await cardClips(dir, options.frames, run)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  tracker.dispose();
  return clips;
}

async function main(): Promise<void> {
  const options = parse();
  const clips =
    options.fromJson === undefined
      ? await measureAll(options)
      : await fromJson(options.fromJson, options.bounds);
  printSummary(clips, options.bounds);
  if (options.json !== undefined)
    await writeFile(
      options.json,
      `${JSON.stringify({ bounds: options.bounds, clips: clips.map(jsonClip) }, null, 1)}\n`,
    );
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
)
  await main();
