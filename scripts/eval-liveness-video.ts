// `npm run eval:liveness`: APCER/BPCER of the recording-mode liveness decision (passive texture + natural
// motion) on live selfie videos, phone-replay videos and photo attacks made here with ffmpeg (pan/zoom and
// a card turned in front of the camera), plus the active challenge controller run on the photo attacks.
// Frames go through the kiosk's tracking loop (FaceTracker, as `npm run replay`), reset for every clip.
// Each clip's first run of frames also streams through the kiosk's face session (natural policy): the
// session columns say whether, and how soon, the kiosk would have decided (the whole-clip figures stay).
//
// In or out of sample (issue 8): each row's `sample` says whether the decision it measures was fitted on
// that clip or its person (`in-sample`), on neither (`out-of-sample`), or whether the data cannot say
// (`unknown`); `sampleBy` splits it into the passive PAD model (its training groups, read from the model
// file) and the natural-motion and challenge bounds, which were set by hand on these very clips (the
// default live, replay and photo clips all set them: liveness/eval-sample.ts). The summary prints
// out-of-sample rows first, then unknown, then in-sample, each labelled; `rates` (all rows pooled) stays,
// `ratesBySample` is added.
//
// Leave-one-video-out (issue 8), printed first: the bounds of the recording decision and where they came from
// (printed with the figures, boundSources below): the blink detector's closed fraction is set by a rule
// (eval:blink-mesh: blink-bound-cv.ts's chooseBound on blinks labelled by eye, no blink on a photo attack),
// so it is refitted here without each video (a video's clips, or one photo's two attack clips, form a
// fold) and the held-out clips are decided at their fold's bound (liveness-folds.ts); the in-sample figure
// (the rule on every clip, and the shipped bound) is printed beside it, labelled. The parallax bound (0.12)
// and blinksMin (1) were set by hand on video/live and the photo clips (b2f1cb7, 2026-11-24) with no rule:
// they are read on the webcam and pair clips (added 2026-12-01, never used to choose them), labelled so.
// The passive model's threshold and refuseBelow come from train:pad's rule on its own groups (listed in
// the model file); here that rule (APCER <= 5%, refuse BPCER <= 2%, pad-protocol.node.ts padCvOptions) is
// refitted in each fold on the other clips' passive medians, the statistic the decision compares, and the
// held-out clips decided at the fold's threshold and blink bound together (liveness-folds.ts); the model's
// weights are not refitted (rows' sampleBy.pad). The streaming session's sessionParallaxMin and the
// challenge's turn bounds were set by hand on these clips with no rule: not refitted, printed as in sample.
// Measured 2026-12-07 20:22-20:45 UTC (wasm, 2 shared cores at load 9-15, 23 min; 30 clips: 5 live, 2
// replays, 4 webcam, 2 pair lives and 3 pair replays, 7 photos x 2 motions; 19 folds), blink bound and
// passive threshold both refitted per fold: out of sample for those two (fold blink bounds 0.70-0.75, fold
// passive thresholds 0.734-0.901; the PAD weights trained on the people of 15 of the 30 clips, parallaxMin and
// blinksMin set by hand on 21) bona fide accepted 4/11 (fold error worst 100%, median 100%, 9 folds), replays
// refused 5/5, photo clips refused 14/14; the same at the model's own threshold 0.848 (the figure before the
// refit); in sample (the rules on every clip: 0.75, 0.901) the same. The rule's threshold sits above the
// model's because one colour photo clip (deepface_03 pan-zoom) scores a median of 0.901: motion refuses it.
// Webcam and pair clips (out of sample also for parallaxMin/blinksMin): bona fide 1/6, replays 3/3. Clips
// whose person the PAD weights never saw: bona fide 3/8. Refusals: face_changed (live-02, ZubairCracksCode
// live), passive uncertain (live-03, both selfie_61dc1abd), no blink and parallax under 0.12
// (selfie_61dc1b5f 0.068, lestari15 live 0.029). Streaming session (in sample): bona fide error 54.5%.
// Most folds hold one clip, so a fold's error is 0% or 100%: the spread says little. That run held live-03
// and replay-02 (one woman) in two folds; in one fold (samePersonVideos, 18 folds), recomputed from its JSON
// rows by liveness-folds.ts, every figure above is the same. Out of sample for every fitted part (the PAD
// weights never saw the person, parallaxMin/blinksMin never set on the clip: selfie_61dc1abd's two clips and
// ZubairCracksCode's pair), recomputed from that JSON with the 18 folds: bona fide accepted 0/3 (2 folds),
// replays refused 1/1; no photo clip qualifies.
//
// Usage: npx tsx scripts/eval-liveness-video.ts [--only videos|synthetic|all] [--json <file>]
//          [--live <dir>] [--replay <dir>] [--webcam <dir>] [--pairs <dir>] [--frames 150]
//          [--models models] [--photo <file> ...]
// --webcam: phone/webcam clips of people (bona fide); --pairs: one folder per set, live* bona fide, the rest
// replays. Either may be given as '' to leave it out.
// --photo: the photos to hold up (paths under ../shared/data), instead of the default seven.
// --frames: the length of each photo-attack clip made here (10..600 frames at 25 fps, default 150);
// the recordings (live, replay, webcam, pairs) are always read whole.
// Attack clips go to a temporary folder (never the repository) that is removed at the end.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import { seededRandom } from '../src/shared/seeded-random.ts';
import type { FaceTracker } from '../src/biometrics/face-tracker.ts';
import type { Challenge, ChallengeState } from '../src/biometrics/liveness/active/challenge.ts';
import {
  ChallengeController,
  defaultChallengeOptions,
} from '../src/biometrics/liveness/active/challenge.ts';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../src/biometrics/capture/mask-detector.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.ts';
import type { AttackMotion } from '../src/biometrics/replay/attack-clips.node.ts';
import { makeAttackClip } from '../src/biometrics/replay/attack-clips.node.ts';
import type { ReplayFrameRecord } from '../src/biometrics/replay/pipeline.ts';
import { replayRecording } from '../src/biometrics/replay/replay.node.ts';
import { refusedFramesText } from '../src/biometrics/replay/session-feed.ts';
import { isVideoFile } from '../src/biometrics/replay/video-files.ts';
import {
  attackClipStem,
  padAttackMotions,
  padAttackPhotos,
} from '../src/biometrics/liveness/pad-clips.node.ts';
import type { ClipSample, SampleBasis } from '../src/biometrics/liveness/eval-sample.ts';
import {
  clipSample,
  motionBoundFolders,
  padTrainingGroupsOf,
} from '../src/biometrics/liveness/eval-sample.ts';
import { padTextureEntry } from '../src/biometrics/liveness/pad-texture.entry.ts';
import { defaultBlinkOptions } from '../src/biometrics/liveness/active/blink.ts';
import {
  blinkClosedFractionCandidates,
  blinkLabels,
  matchLabels,
} from '../src/biometrics/liveness/active/blink-labels.ts';
import {
  analyzeNaturalMotion,
  defaultNaturalMotionOptions,
} from '../src/biometrics/liveness/active/natural-motion.ts';
import type { MotionFrame } from '../src/biometrics/liveness/active/natural-motion.ts';
import { decideLiveness, defaultDecisionPolicy } from '../src/biometrics/liveness/decision.ts';
import type {
  FoldClip,
  FoldDecision,
  KindTally,
} from '../src/biometrics/liveness/liveness-folds.ts';
import {
  inSampleDecisions,
  leaveOneVideoOut,
  passivePointOf,
  tallyFolds,
} from '../src/biometrics/liveness/liveness-folds.ts';
import type { ReplayRun } from '../src/biometrics/replay/pipeline.ts';
import { sessionParallaxMin } from '../src/biometrics/face-session.ts';
import { padCvOptions } from '../src/biometrics/liveness/pad-protocol.node.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const shared = path.resolve(repoRoot, '..', 'shared', 'data');

/** One printed photo per NUAA subject with prints, the Silent-Face print, and colour web photos. */
const defaultPhotos = padAttackPhotos.map((photo) => photo.file);
const motions: readonly AttackMotion[] = padAttackMotions;

interface Row {
  readonly name: string;
  readonly kind: 'bona fide' | 'replay' | `photo ${AttackMotion}`;
  /** Under ../shared/data: the clip, or the photo a photo-attack clip moves; null when outside it. */
  readonly source: string | null;
  /** Whether the decision measured here was fitted on this clip or its person (eval-sample.ts). */
  readonly sample: ClipSample;
  readonly sampleBy: { readonly pad: ClipSample; readonly motionBounds: ClipSample };
  readonly frames: number;
  readonly framesWithFace: number;
  readonly passiveMedian: number | null;
  readonly passiveLive: boolean;
  readonly blinks: number;
  readonly parallax: number | null;
  readonly naturalLive: boolean;
  readonly live: boolean;
  readonly reasons: readonly string[];
  readonly perFrameMsMedian: number;
  /** The streaming session: decided / refused / undecided, and when (ms after the first face). */
  readonly session: {
    readonly outcome: string;
    readonly ms: number | null;
    readonly reasons: readonly string[];
    /** Frames the session read, and those it could not use per reason (quality gate, capture check). */
    readonly framesUsed: number;
    readonly refusedFramesByReason: Readonly<Record<string, number>>;
  };
  readonly challenges?: readonly ChallengeOutcome[];
  /** Leave-one-video-out: the clip's fold group and the decision at each candidate blink bound. */
  readonly fold: FoldClip;
}

interface ChallengeOutcome {
  readonly seed: number;
  readonly order: readonly Challenge[];
  readonly status: ChallengeState['status'] | 'incomplete';
  readonly reason: string | null;
}

interface Tools {
  /** The kiosk's tracking loop (as `npm run replay` runs it), reset before every clip. */
  readonly engine: FaceTracker;
  readonly passive: PassiveTextureDetector;
  readonly mask: MaskDetector;
  readonly basis: SampleBasis;
}

/** The clip plays as the camera while the controller asks; a photo cannot answer. */
function runChallenge(
  records: readonly ReplayFrameRecord[],
  seed: number,
  pool?: readonly Challenge[],
): ChallengeOutcome {
  const options =
    pool === undefined
      ? defaultChallengeOptions
      : { ...defaultChallengeOptions, pool, count: pool.length };
  const controller = new ChallengeController(seededRandom(seed), options);
  let state: ChallengeState = controller.state;
  for (const r of records) {
    const face =
      r.box === null || r.landmarks === null
        ? null
        : { box: r.box, landmarks: r.landmarks, eyes: r.eyes, descriptor: r.descriptor };
    state = controller.observe({ timestampMs: r.timestampMs, face });
    if (state.status === 'passed' || state.status === 'failed') break;
  }
  const done = state.status === 'passed' || state.status === 'failed';
  return {
    seed,
    order: controller.challenges,
    status: done ? state.status : 'incomplete',
    reason:
      state.status === 'failed' ? state.reason : done ? null : `clip ended while ${state.status}`,
  };
}

/** The file under ../shared/data, with forward slashes; null when it is not under it. */
function dataFileOf(file: string): string | null {
  const relative = path.relative(shared, path.resolve(file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return relative.split(path.sep).join('/');
}

async function evaluate(
  file: string,
  kind: Row['kind'],
  tools: Tools,
  challenge: 'all' | 'turns' | 'none',
  source: string | null,
  group: string,
): Promise<Row> {
  const label = clipSample(source, tools.basis);
  tools.engine.reset();
  const { run, json } = await replayRecording(file, { ...tools, folderFps: 25, reportFrames: 0 });
  const s = run.liveness.scores;
  const challenges =
    challenge === 'none'
      ? undefined
      : challenge === 'all'
        ? [1, 2, 3].map((seed) => runChallenge(run.records, seed))
        : (['turn_left', 'turn_right'] as const).map((dir, k) =>
            runChallenge(run.records, k, [dir]),
          );
  const row: Row = {
    name: path.basename(file),
    kind,
    source,
    sample: label.sample,
    sampleBy: { pad: label.pad, motionBounds: label.motionBounds },
    frames: json.frames,
    framesWithFace: json.framesWithFace,
    passiveMedian: s.passiveMedian,
    passiveLive: run.liveness.evidence.includes('passive_texture_live'),
    blinks: run.motion.blinks.length,
    parallax: run.motion.parallax,
    naturalLive:
      run.liveness.evidence.includes('blink') || run.liveness.evidence.includes('3d_motion'),
    live: run.liveness.live,
    reasons: run.liveness.reasons,
    perFrameMsMedian: json.timings.perFrameMsMedian,
    session: {
      outcome: json.session?.outcome ?? 'not run',
      ms: json.session?.sinceFirstFaceMs ?? null,
      reasons: json.session?.reasons ?? [],
      framesUsed: json.session?.framesUsed ?? 0,
      refusedFramesByReason: json.session?.refusedFramesByReason ?? {},
    },
    ...(challenges === undefined ? {} : { challenges }),
    fold: foldClipOf(run, tools.passive, {
      // A photo's two attack clips share its source: the motion tells them apart.
      name: `${source ?? path.basename(file)}${kind.startsWith('photo') ? ` ${kind}` : ''}`,
      group,
      kind,
    }),
  };
  printRow(row);
  return row;
}

/** The recording decision again from the run's frames, the blink detector's closed fraction changed
 * (null: no blink read); everything else as the replay pipeline decides. */
function decisionAt(
  run: ReplayRun,
  passive: PassiveTextureDetector,
  closedFraction: number | null,
) {
  const frames: MotionFrame[] = run.records.map((r) => ({
    timestampMs: r.timestampMs,
    segment: r.segment,
    face:
      r.box === null || r.landmarks === null
        ? null
        : { box: r.box, landmarks: r.landmarks, eyes: r.eyes, descriptor: r.descriptor },
  }));
  const motion = analyzeNaturalMotion(frames, {
    ...defaultNaturalMotionOptions,
    blink: {
      ...defaultBlinkOptions,
      closedFraction: closedFraction ?? defaultBlinkOptions.closedFraction,
    },
  });
  const scores = run.records.flatMap((r) => (r.passiveScore === null ? [] : [r.passiveScore]));
  const decision = decideLiveness(
    {
      passive: {
        modelId: passive.modelId,
        threshold: passive.threshold,
        refuseBelow: passive.refuseBelow,
        scores,
      },
      active: null,
      motion: closedFraction === null ? { ...motion, blinks: [] } : motion,
    },
    defaultDecisionPolicy,
  );
  return { decision, blinks: closedFraction === null ? [] : motion.blinks };
}

function foldClipOf(
  run: ReplayRun,
  passive: PassiveTextureDetector,
  clip: { name: string; group: string; kind: Row['kind'] },
): FoldClip {
  const at = blinkClosedFractionCandidates.map((c) => decisionAt(run, passive, c));
  const shipped = blinkClosedFractionCandidates.indexOf(defaultBlinkOptions.closedFraction);
  const same = at[shipped];
  if (
    same === undefined ||
    same.decision.live !== run.liveness.live ||
    same.blinks.length !== run.motion.blinks.length
  )
    throw new Error(`${clip.name}: the decision rebuilt from the frames differs from the run's`);
  const without = decisionAt(run, passive, null);
  // The decision split into the passive median and the rest, so a fold can decide at its own threshold;
  // at the model's threshold the split must give the run's decision back.
  const split = {
    median: same.decision.scores.passiveMedian,
    restLiveAt: at.map((a) => restLive(a.decision)),
    restLiveWithoutBlink: restLive(without.decision),
  };
  const passiveLive = split.median !== null && split.median >= passive.threshold;
  if (at.some((a, k) => a.decision.live !== (passiveLive && split.restLiveAt[k] === true)))
    throw new Error(`${clip.name}: the decision split at the passive threshold differs from it`);
  const labels = clip.name.startsWith('video/') ? blinkLabels[clip.name.slice(6)] : undefined;
  const faces = run.records.flatMap((r) =>
    r.box === null ? [] : [{ index: r.index, t: r.timestampMs }],
  );
  const span = ((faces.at(-1)?.t ?? 0) - (faces[0]?.t ?? 0)) / 1000;
  const readings = { faces, fps: span > 0 ? (faces.length - 1) / span : 25 };
  const matches =
    labels === undefined || clip.kind !== 'bona fide'
      ? undefined
      : at.map((a) => matchLabels(a.blinks, labels, readings));
  return {
    name: clip.name,
    group: clip.group,
    kind: clip.kind === 'bona fide' || clip.kind === 'replay' ? clip.kind : 'photo',
    blinks: at.map((a) => a.blinks.length),
    ...(matches === undefined
      ? {}
      : {
          labelled: {
            found: matches.map((m) => m.found),
            spurious: matches.map((m) => m.spurious),
          },
        }),
    liveAt: at.map((a) => a.decision.live),
    liveWithoutBlink: without.decision.live,
    passive: split,
  };
}

/** Everything in the recording decision but the passive band: live when no other reason refuses. */
const restLive = (decision: { reasons: readonly string[] }): boolean =>
  decision.reasons.every((r) => r.startsWith('passive_'));

function printRow(r: Row): void {
  const f = (v: number | null, d = 3): string => (v === null ? 'n/a' : v.toFixed(d));
  const challenges = (r.challenges ?? [])
    .map((c) => `${c.order.join('>')}:${c.status}${c.reason === null ? '' : `(${c.reason})`}`)
    .join(' ');
  console.log(
    [
      r.name.padEnd(34),
      r.kind.padEnd(16),
      r.sample.padEnd(13),
      `${r.framesWithFace}/${r.frames}`.padStart(8),
      f(r.passiveMedian).padStart(6),
      String(r.blinks).padStart(3),
      f(r.parallax).padStart(6),
      (r.live ? 'LIVE' : 'not live').padEnd(9),
      r.reasons.join(',').padEnd(40),
      sessionCell(r.session).padEnd(44),
      challenges,
    ].join(' '),
  );
}

/** The streaming session's column: outcome, when, and why not decided ("undecided(recording_ended;
 * 261 of 261 frames blurred)": the frames it could not use, per reason). */
export function sessionCell(session: Row['session']): string {
  const refused = session.outcome === 'decided' ? '' : refusedFramesText(session);
  const why = [...(session.reasons.length === 0 ? [] : [session.reasons.join(',')]), refused];
  const text = why.filter((part) => part !== '').join('; ');
  return `session:${session.outcome}${session.ms === null ? '' : `@${session.ms.toFixed(0)}ms`}${text === '' ? '' : `(${text})`}`;
}

/** video/live and video/replay clips of one person: replay-02 is live-03's woman on a phone screen (same
 * face and room, seen by eye; descriptor cosine 0.979 on 2026-12-07, above the match threshold 0.9639).
 * replay-01 shows a young man in none of the live clips (best cosine 0.92). */
const samePersonVideos: Readonly<Record<string, string>> = {
  'live/live-03.mp4': 'live/live-03.mp4+replay/replay-02.mp4',
  'replay/replay-02.mp4': 'live/live-03.mp4+replay/replay-02.mp4',
};

/** A video is its own fold (as eval:blink-mesh groups them), except that one person's live clip and its
 * replay are held out together (samePersonVideos), so neither helps fit the bounds that decide the other. */
export function videoGroup(file: string): string {
  const own = `${path.basename(path.dirname(file))}/${path.basename(file)}`;
  return samePersonVideos[own] ?? own;
}

/** One person's webcam and phone clips share a fold; 61dc1b5f and 61dc1b75 may be one woman (README). */
function webcamGroup(file: string): string {
  const person = path.basename(file).split('-')[0] ?? file;
  return person.startsWith('selfie_61dc1b5f') || person.startsWith('selfie_61dc1b75')
    ? 'webcam/selfie_61dc1b5f+75'
    : `webcam/${person}`;
}

async function mediaIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter(isVideoFile).sort();
  return names.map((n) => path.join(dir, n));
}

interface Rates {
  readonly kind: string;
  readonly n: number;
  /** APCER for attacks (accepted / n), BPCER for bona fide (rejected / n); per component and combined. */
  readonly errorRate: number;
  readonly passiveOnly: number;
  readonly naturalOnly: number;
  /** The streaming session: attacks it decided live, bona fide clips it did not decide. */
  readonly session: number;
}

const sampleOrder: readonly ClipSample[] = ['out-of-sample', 'unknown', 'in-sample'];

function printRates(table: readonly Rates[]): void {
  console.log(
    'kind              n   error (APCER attacks / BPCER bona fide)   passive only   natural motion only   streaming session',
  );
  for (const r of table)
    console.log(
      `${r.kind.padEnd(16)} ${String(r.n).padStart(3)}   ${(100 * r.errorRate).toFixed(1).padStart(6)}%   ${(100 * r.passiveOnly).toFixed(1).padStart(26)}%   ${(100 * r.naturalOnly).toFixed(1).padStart(12)}%   ${(100 * r.session).toFixed(1).padStart(16)}%`,
    );
}

const sampleHeadings: Readonly<Record<ClipSample, string>> = {
  'out-of-sample':
    'OUT OF SAMPLE (neither the PAD model nor the motion/challenge bounds were fitted on these clips or people)',
  unknown:
    'UNKNOWN (the data does not say who a clip shows, or the PAD model does not list its training)',
  'in-sample':
    'IN SAMPLE (the PAD model was trained on these people, or the motion/challenge bounds were set on these clips): optimistic',
};

function rates(rows: readonly Row[]): Rates[] {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return kinds.map((kind) => {
    const group = rows.filter((r) => r.kind === kind);
    const bona = kind === 'bona fide';
    const err = (pick: (r: Row) => boolean): number =>
      group.filter((r) => (bona ? !pick(r) : pick(r))).length / group.length;
    return {
      kind,
      n: group.length,
      errorRate: err((r) => r.live),
      passiveOnly: err((r) => r.passiveLive),
      naturalOnly: err((r) => r.naturalLive),
      session: err((r) => r.session.outcome === 'decided'),
    };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'all' },
      json: { type: 'string' },
      live: { type: 'string', default: path.join(shared, 'video', 'live') },
      replay: { type: 'string', default: path.join(shared, 'video', 'replay') },
      webcam: { type: 'string', default: path.join(shared, 'video', 'webcam') },
      pairs: { type: 'string', default: path.join(shared, 'video', 'pairs') },
      frames: { type: 'string', default: '150' },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
      photo: { type: 'string', multiple: true },
    },
  });
  const frames = Number(values.frames);
  if (
    !['videos', 'synthetic', 'all'].includes(values.only) ||
    !(Number.isInteger(frames) && frames >= 10 && frames <= 600)
  ) {
    console.error(
      'usage: eval-liveness-video [--only videos|synthetic|all] [--json file] [--live dir] [--replay dir] [--webcam dir] [--pairs dir] [--frames 10..600 (each photo-attack clip)] [--models dir] [--photo file ...]',
    );
    process.exit(2);
  }
  const engine = await createFaceTracker({ modelsDir: values.models });
  const passive = await loadPassiveTextureDetector({ modelsDir: values.models });
  const mask = await loadMaskDetector({ modelsDir: values.models });
  const photos = values.photo ?? defaultPhotos;
  const basis: SampleBasis = {
    padTrainingGroups: padTrainingGroupsOf(
      JSON.parse(await readFile(path.join(values.models, padTextureEntry.file), 'utf8')),
    ),
    // The bounds were set on eval:liveness's default clips: its photos' clips too, whichever are run now.
    motionBoundSources: [...motionBoundFolders, ...defaultPhotos],
  };
  const tools: Tools = { engine, passive, mask, basis };
  const rows: Row[] = [];
  console.log(
    `backend ${engine.backend}; columns: file, kind, sample, face/frames, passive median (threshold ${passive.threshold.toFixed(3)}), blinks, parallax, decision, reasons, challenges`,
  );
  if (values.only !== 'synthetic') {
    for (const file of await mediaIn(values.live))
      rows.push(
        await evaluate(file, 'bona fide', tools, 'turns', dataFileOf(file), videoGroup(file)),
      );
    for (const file of await mediaIn(values.replay))
      rows.push(await evaluate(file, 'replay', tools, 'none', dataFileOf(file), videoGroup(file)));
    if (values.webcam !== '')
      for (const file of await mediaIn(values.webcam))
        rows.push(
          await evaluate(file, 'bona fide', tools, 'turns', dataFileOf(file), webcamGroup(file)),
        );
    if (values.pairs !== '')
      for (const set of (await readdir(values.pairs, { withFileTypes: true })).filter((d) =>
        d.isDirectory(),
      ))
        for (const file of await mediaIn(path.join(values.pairs, set.name))) {
          const live = path.basename(file).startsWith('live');
          rows.push(
            await evaluate(
              file,
              live ? 'bona fide' : 'replay',
              tools,
              live ? 'turns' : 'none',
              dataFileOf(file),
              `pairs/${set.name}`,
            ),
          );
        }
  }
  if (values.only !== 'videos') {
    const dir = await mkdtemp(path.join(tmpdir(), 'facepay-liveness-'));
    try {
      for (const source of photos) {
        const photo = path.join(shared, source);
        for (const motion of motions) {
          const output = path.join(dir, `${attackClipStem(photo, motion)}.mp4`);
          await makeAttackClip({ photo, output, motion, frames, framesPerSecond: 25, side: 480 });
          rows.push(
            await evaluate(
              output,
              `photo ${motion}`,
              tools,
              'all',
              dataFileOf(photo),
              `photo/${source}`,
            ),
          );
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  engine.dispose();
  const leaveOneVideoOut = foldReport(rows);
  const table = rates(rows);
  const ratesBySample: Partial<Record<ClipSample, Rates[]>> = {};
  for (const sample of sampleOrder) {
    const group = rows.filter((r) => r.sample === sample);
    console.log(`\n${sampleHeadings[sample]}: ${group.length} clips`);
    if (group.length === 0) continue;
    console.log(`clips: ${group.map((r) => r.name).join(', ')}`);
    ratesBySample[sample] = rates(group);
    printRates(ratesBySample[sample]);
    printChallenges(group);
  }
  console.log(
    '\nALL CLIPS POOLED (in and out of sample together, for comparison with earlier runs):',
  );
  printRates(table);
  printRefusedFrames(rows);
  if (values.json !== undefined)
    await writeFile(
      values.json,
      `${JSON.stringify({ rates: table, ratesBySample, rows, boundSources, leaveOneVideoOut }, null, 2)}\n`,
    );
}

/** Each bound of the recording decision, where it is set and from which clips (printed and in the JSON). */
export const boundSources = [
  {
    bound: 'blink closedFraction 0.75 (active/blink.ts defaultBlinkOptions)',
    how: 'rule: eval:blink-mesh, chooseBound on blinks labelled by eye, no blink on a photo attack',
    clips:
      'video/live, video/webcam, pairs/lestari15 live, talking-face, the 7 photos x 2 motions (replays read, not used)',
    here: 'refitted leave-one-video-out',
  },
  {
    bound: `parallaxMin ${defaultDecisionPolicy.parallaxMin} (decision.ts defaultDecisionPolicy)`,
    how: 'by hand, between the moved-photo clips and the live selfie videos (b2f1cb7, 2026-11-24); no rule',
    clips: 'video/live, video/replay, the photo-attack clips',
    here: 'not refitted: read on the webcam and pair clips, added 2026-12-01, never used to choose it',
  },
  {
    bound: `blinksMin ${defaultDecisionPolicy.blinksMin}, natural ${defaultDecisionPolicy.natural}, passiveFramesMin ${defaultDecisionPolicy.passiveFramesMin}`,
    how: 'by hand (b2f1cb7); no rule',
    clips: 'video/live, video/replay, the photo-attack clips',
    here: 'not refitted: read on the webcam and pair clips, labelled',
  },
  {
    bound: 'passive threshold and refuseBelow (models/pad-texture-v3.json)',
    how: 'rule: train:pad, APCER <= 0.05 / BPCER <= 0.02 per domain on out-of-fold scores',
    clips:
      "the model's training.groups (no video/live, video/replay, pairs/ZubairCracksCode, selfie_61dc1abd)",
    here: "refitted leave-one-video-out by train:pad's rule on the other clips' passive medians (the model's weights are not: each row's sampleBy.pad says whether its clip was trained on)",
  },
  {
    bound: `sessionParallaxMin ${sessionParallaxMin} (face-session.ts, the streaming session)`,
    how: 'by hand, between the photo-attack clips and the live clips that turn their heads; no rule',
    clips: 'video/live, video/replay, video/webcam, video/pairs, the photo-attack clips',
    here: 'not refitted (no rule to refit): the streaming-session column is in sample on every clip',
  },
  {
    bound: `challenge turnYaw ${defaultChallengeOptions.turnYaw}, turnParallaxMin ${defaultChallengeOptions.turnParallaxMin}, turnYawPerForeshorteningMin ${defaultChallengeOptions.turnYawPerForeshorteningMin} (active/challenge.ts)`,
    how: 'by hand, between photo cards swung and the head turns of the live selfie videos; no rule',
    clips: 'video/live, the photo-attack clips',
    here: 'not refitted (no rule to refit): the challenge lines are in sample on those clips',
  },
] as const;

interface FoldFigures {
  readonly objective: 'labels';
  readonly closedFractions: readonly number[];
  readonly folds: readonly {
    readonly heldOut: string;
    readonly closedFraction: number | null;
    /** The passive operating point fitted on the other clips' medians (train:pad's rule). */
    readonly passiveThreshold: number | null;
    readonly passiveRefuseBelow: number | null;
    readonly decisions: readonly FoldDecision[];
  }[];
  /** Every clip decided at its fold's blink bound and passive threshold: out of sample for those two only
   * (the PAD weights were trained on some clips' people, parallaxMin and blinksMin set by hand on some). */
  readonly outOfSample: readonly KindTally[];
  /** outOfSample on the clips out of sample for every fitted part of the decision: the PAD weights never
   * trained on the person (sampleBy.pad) and the hand-set parallaxMin/blinksMin never set on the clip. */
  readonly outOfSampleEveryPart: readonly KindTally[];
  /** The same folds' blink bounds at the model's own passive threshold (the figure before the threshold
   * was refitted here): out of sample for the blink bound only. */
  readonly outOfSampleShippedPassive: readonly KindTally[];
  /** outOfSample on the clips whose person the PAD model's weights were not trained on (sampleBy.pad). */
  readonly outOfSamplePadUntrained: readonly KindTally[];
  /** In sample, beside: the rules fitted on every clip; and the shipped bounds. */
  readonly inSample: {
    readonly ruleClosedFraction: number | null;
    readonly rulePassive: { readonly threshold: number; readonly refuseBelow: number };
    readonly rule: readonly KindTally[];
    readonly shipped: readonly KindTally[];
  };
  /** The webcam and pair clips: never used to choose the hand-set parallaxMin and blinksMin (the PAD
   * weights were trained on some of their people: outOfSampleEveryPart leaves those out). */
  readonly handChosenOutOfSample: readonly KindTally[];
}

/** Whether the hand-set parallaxMin and blinksMin were set on this clip (boundSources: video/live,
 * video/replay and the default photos' attack clips); a clip from outside the data folder counts as set on. */
function decisionBoundsSetOn(source: string | null): boolean {
  return (
    source === null ||
    source.startsWith('video/live/') ||
    source.startsWith('video/replay/') ||
    defaultPhotos.includes(source)
  );
}

const percent = (v: number): string => `${(100 * v).toFixed(0)}%`;

function tallyText(tally: readonly KindTally[], spread: boolean): string {
  return tally
    .map(
      (t) =>
        `${t.kind === 'bona fide' ? 'bona fide accepted' : `${t.kind} refused`} ${t.correct}/${t.n}` +
        (spread
          ? ` (error over ${t.folds} folds: worst ${percent(t.foldErrorWorst)}, median ${percent(t.foldErrorMedian)})`
          : ''),
    )
    .join('; ');
}

function foldReport(rows: readonly Row[]): FoldFigures | null {
  const clips = rows.map((r) => r.fold);
  const candidates = blinkClosedFractionCandidates;
  const bound = (k: number | null): number | null => (k === null ? null : (candidates[k] ?? null));
  console.log('\nBOUNDS of the recording decision and where they come from:');
  for (const b of boundSources)
    console.log(`  ${b.bound}: ${b.how}; set on ${b.clips}; here ${b.here}`);
  if (new Set(clips.map((c) => c.group)).size < 2) {
    console.log('leave-one-video-out needs clips of two videos or photos: not run');
    return null;
  }
  const targets = padCvOptions.targets;
  const folds = leaveOneVideoOut(clips, candidates.length, 'labels', targets);
  const outOfSample = tallyFolds(folds);
  const outOfSampleShippedPassive = tallyFolds(
    leaveOneVideoOut(clips, candidates.length, 'labels'),
  );
  const padUntrained = new Set(
    rows.filter((r) => r.sampleBy.pad === 'out-of-sample').map((r) => r.fold.name),
  );
  const outOfSamplePadUntrained = tallyFolds(
    folds.map((f) => ({ ...f, decisions: f.decisions.filter((d) => padUntrained.has(d.name)) })),
  );
  const rule = inSampleDecisions(clips, candidates.length, 'labels', targets);
  const rulePassive = rule.passive ?? passivePointOf(clips, targets);
  const shippedIndex = candidates.indexOf(defaultBlinkOptions.closedFraction);
  const asFold = (decisions: readonly FoldDecision[]) => [
    { heldOut: 'all', index: null, decisions },
  ];
  const shipped = tallyFolds(
    asFold(
      clips.map((c) => {
        const live = c.liveAt[shippedIndex] ?? false;
        return {
          name: c.name,
          kind: c.kind,
          index: shippedIndex,
          live,
          correct: c.kind === 'bona fide' ? live : !live,
        };
      }),
    ),
  );
  const handSet = new Set(
    rows
      .filter(
        (r) =>
          r.source?.startsWith('video/webcam/') === true ||
          r.source?.startsWith('video/pairs/') === true,
      )
      .map((r) => r.fold.name),
  );
  const handChosenOutOfSample = tallyFolds(
    folds.map((f) => ({ ...f, decisions: f.decisions.filter((d) => handSet.has(d.name)) })),
  );
  const everyPart = new Set(
    rows
      .filter((r) => padUntrained.has(r.fold.name) && !decisionBoundsSetOn(r.source))
      .map((r) => r.fold.name),
  );
  const outOfSampleEveryPart = tallyFolds(
    folds.map((f) => ({ ...f, decisions: f.decisions.filter((d) => everyPart.has(d.name)) })),
  );
  const padTrained = rows.length - padUntrained.size;
  const boundsSetOn = rows.filter((r) => decisionBoundsSetOn(r.source)).length;
  const figures: FoldFigures = {
    objective: 'labels',
    closedFractions: candidates,
    folds: folds.map((f) => ({
      heldOut: f.heldOut,
      closedFraction: bound(f.index),
      passiveThreshold: f.passive?.threshold ?? null,
      passiveRefuseBelow: f.passive?.refuseBelow ?? null,
      decisions: f.decisions,
    })),
    outOfSample,
    outOfSampleEveryPart,
    outOfSampleShippedPassive,
    outOfSamplePadUntrained,
    inSample: {
      ruleClosedFraction: bound(rule.index),
      rulePassive,
      rule: tallyFolds(asFold(rule.decisions)),
      shipped,
    },
    handChosenOutOfSample,
  };
  const foldBounds = folds.flatMap((f) => (f.index === null ? [] : [candidates[f.index] ?? 0]));
  const foldThresholds = folds.flatMap((f) => (f.passive == null ? [] : [f.passive.threshold]));
  const range = (v: readonly number[], d: number): string =>
    v.length === 0 ? 'none' : `${Math.min(...v).toFixed(d)}-${Math.max(...v).toFixed(d)}`;
  console.log(
    `\nOUT OF SAMPLE for every fitted part, leave-one-video-out (${folds.length} folds; without each held-out video or photo, the blink closed fraction refitted by eval:blink-mesh's rule and the passive threshold by train:pad's rule, APCER <= ${targets.apcerMax} / refuse BPCER <= ${targets.refuseBpcerMax} on the other clips' passive medians; the held-out clips decided at both), on the clips whose person the PAD weights never saw and on which parallaxMin and blinksMin were never set by hand: ${everyPart.size === 0 ? 'none run' : tallyText(outOfSampleEveryPart, true)}`,
  );
  console.log(
    `  every clip, out of sample for the blink bound and passive threshold only (the PAD weights were trained on the people of ${padTrained} of ${rows.length} clips; parallaxMin ${defaultDecisionPolicy.parallaxMin} and blinksMin ${defaultDecisionPolicy.blinksMin} were set by hand on ${boundsSetOn}): ${tallyText(outOfSample, true)}`,
  );
  console.log(
    `  fold blink bounds ${range(foldBounds, 2)}${folds.some((f) => f.index === null) ? ' (some folds none safe: no blink read)' : ''}; fold passive thresholds ${range(foldThresholds, 3)}`,
  );
  for (const f of folds)
    console.log(
      `    ${f.heldOut.padEnd(44)} bound ${String(bound(f.index) ?? 'none').padEnd(5)} passive ${f.passive == null ? 'n/a  ' : f.passive.threshold.toFixed(3)} ${f.decisions.map((d) => `${path.basename(d.name)}:${d.live ? 'LIVE' : 'not live'}${d.correct ? '' : '(wrong)'}`).join(' ')}`,
    );
  console.log(
    `  of which the clips whose person the PAD model's weights never saw (its training groups; the weights are not refitted here): ${padUntrained.size === 0 ? 'none run' : tallyText(outOfSamplePadUntrained, true)}`,
  );
  console.log(
    `  the same folds' blink bounds at the model's own passive threshold (not refitted; eval:liveness's out-of-sample figure before the threshold was refitted): ${tallyText(outOfSampleShippedPassive, true)}`,
  );
  console.log(
    `  of which the webcam and pair clips, out of sample also for the hand-set parallaxMin ${defaultDecisionPolicy.parallaxMin} and blinksMin ${defaultDecisionPolicy.blinksMin} (never used to choose them; the PAD weights were trained on the people of ${[...handSet].filter((n) => !padUntrained.has(n)).length} of them): ${handSet.size === 0 ? 'none run' : tallyText(handChosenOutOfSample, true)}`,
  );
  console.log(
    `IN SAMPLE, beside (the same clips chose the bounds; optimistic): the rules on every clip (blink bound ${bound(rule.index) ?? 'none'}, passive threshold ${rulePassive.threshold.toFixed(3)}): ${tallyText(figures.inSample.rule, false)}; the shipped bounds (blink ${defaultBlinkOptions.closedFraction}, the model's passive threshold): ${tallyText(shipped, false)}`,
  );
  console.log(
    `IN SAMPLE, not refitted (set by hand on these clips, no rule to refit per fold): the streaming-session column (sessionParallaxMin ${sessionParallaxMin}) and the challenge lines (turnYaw ${defaultChallengeOptions.turnYaw}, turnParallaxMin ${defaultChallengeOptions.turnParallaxMin}); the session also decides at the model's own passive threshold`,
  );
  return figures;
}

/** The frames the streaming session could not use, per reason, over all clips: a gate refusing most
 * frames (every clip undecided) shows here before anyone reads the rows. */
function printRefusedFrames(rows: readonly Row[]): void {
  const byReason: Record<string, number> = {};
  for (const r of rows)
    for (const [reason, count] of Object.entries(r.session.refusedFramesByReason))
      byReason[reason] = (byReason[reason] ?? 0) + count;
  const framesUsed = rows.reduce((sum, r) => sum + r.session.framesUsed, 0);
  const text = refusedFramesText({ framesUsed, refusedFramesByReason: byReason });
  console.log(
    `streaming session, frames it could not use (all clips): ${text === '' ? `none of ${framesUsed}` : text}`,
  );
}

function printChallenges(rows: readonly Row[]): void {
  const challenged = rows.flatMap((r) => (r.kind.startsWith('photo') ? (r.challenges ?? []) : []));
  if (challenged.length > 0) {
    const passed = challenged.filter((c) => c.status === 'passed').length;
    const byReason = new Map<string, number>();
    for (const c of challenged)
      byReason.set(c.reason ?? 'passed', (byReason.get(c.reason ?? 'passed') ?? 0) + 1);
    console.log(
      `active challenge on photo clips: ${passed}/${challenged.length} passed; outcomes ${JSON.stringify(Object.fromEntries(byReason))}`,
    );
  }
  const turnRuns = rows.flatMap((r) => (r.kind === 'bona fide' ? (r.challenges ?? []) : []));
  if (turnRuns.length > 0)
    console.log(
      `single-turn challenge on live videos (the person's own turns answer it or not): ${turnRuns.filter((c) => c.status === 'passed').length}/${turnRuns.length} passed`,
    );
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
)
  await main();
