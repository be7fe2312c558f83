// `npm run eval:pad-session`: does passive evidence over a kiosk session (N frames of one person) separate
// live clips from replays and photo attacks better than one frame? Leave-one-video-out, all out of sample.
//
// Clips: shared/data/video/{live,replay,pairs,webcam}, talking-face, and the photo attacks eval:liveness
// makes with ffmpeg (pan/zoom and card-turn of NUAA prints, the Silent-Face print and two web photos).
// Each clip's opening is read by the kiosk's tracker at ~12 frames/s and cropped as the face session
// crops. A frame's score comes from a per-frame model (the shipped recipe, models/pad-texture-v3.json's
// candidate) fitted on the passive corpus without the clip's person/camera and without the held-out
// group's; the session statistic and its live/refuse bands are chosen on the other clips' sessions only
// (nested leave-one-group-out), then applied to the held-out clip's sessions. The row median@model is
// today's kiosk rule: the session median in the per-frame model's own bands (set on its corpus).
//
// Usage: npx tsx scripts/eval-pad-session.ts [--json <file>] [--seconds 8] [--fps 12]
//          [--variants corpus,corpus+clips,corpus+trainable-clips]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import { padTextureEntry } from '../src/biometrics/liveness/pad-texture.entry.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import type { PadTextureModel } from '../src/biometrics/liveness/passive-texture.ts';
import { parsePadTextureModel } from '../src/biometrics/liveness/passive-texture.ts';
import type { FittedPad, OperatingPoint, Rates } from '../src/biometrics/liveness/pad-cv.ts';
import {
  bandOf,
  chooseOperatingPoint,
  fitPad,
  outOfFoldScores,
  ratesOf,
  scorePad,
  thresholdDomains,
} from '../src/biometrics/liveness/pad-cv.ts';
import { spread } from '../src/biometrics/liveness/pad-folds.ts';
import {
  defaultPadPaths,
  loadPadProtocolData,
  padCvOptions,
  padFeatureSets,
} from '../src/biometrics/liveness/pad-protocol.node.ts';
import type { ClipFeatures, SessionClip } from '../src/biometrics/liveness/session-clips.node.ts';
import {
  listRecordedClips,
  readClipFeatures,
} from '../src/biometrics/liveness/session-clips.node.ts';
import type { SessionStatistic } from '../src/biometrics/liveness/session-passive.ts';
import { sessionScore, sessionStatistics } from '../src/biometrics/liveness/session-passive.ts';
import { makeAttackClip } from '../src/biometrics/replay/attack-clips.node.ts';
import {
  attackClipStem,
  padAttackMotions,
  padAttackPhotos,
} from '../src/biometrics/liveness/pad-clips.node.ts';
import { assert } from '../src/shared/assert.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

/** Frames per session the kiosk could wait for (at ~12 frames/s: one frame to 2.5 s). */
const sessionLengths = [1, 5, 10, 15, 30] as const;
/** Sessions of a clip start every this many frames; at most sessionsPerClipMax, evenly spread, so a
 * long clip weighs no more than a short one. */
const sessionStrideFrames = 6;
const sessionsPerClipMax = 8;
/** A session scores at least this share of its frames (a face cropped), else it acquired nothing. */
const sessionScoredShareMin = 0.5;

type Statistic = SessionStatistic | 'feature_mean';
const statistics: readonly Statistic[] = [...sessionStatistics, 'feature_mean'];

interface Session {
  readonly clip: SessionClip;
  readonly start: number;
  /** Per-frame feature rows of the session's scored frames. */
  readonly rows: readonly Float64Array[];
  readonly frames: number;
}

/** Per-frame scores of a session's rows under a fit, computed once per fit and session. */
const frameScoreCache = new WeakMap<FittedPad, Map<Session, number[]>>();
function frameScores(fit: FittedPad, session: Session): number[] {
  let byFit = frameScoreCache.get(fit);
  if (byFit === undefined) frameScoreCache.set(fit, (byFit = new Map()));
  let scores = byFit.get(session);
  if (scores === undefined)
    byFit.set(session, (scores = session.rows.map((r) => scorePad(fit, r))));
  return scores;
}

function sessionsOf(clip: ClipFeatures, length: number): Session[] {
  const starts: number[] = [];
  for (let s = 0; s + length <= clip.frames.length; s += sessionStrideFrames) starts.push(s);
  if (starts.length === 0 && clip.frames.length > 0) starts.push(0);
  const picked =
    starts.length <= sessionsPerClipMax
      ? starts
      : Array.from(
          { length: sessionsPerClipMax },
          (_, k) => starts[Math.floor((k * starts.length) / sessionsPerClipMax)] ?? 0,
        );
  return picked.map((start) => {
    const frames = clip.frames.slice(start, start + length);
    const rows = frames.flatMap((f) =>
      f.features === null ? [] : [Float64Array.from(f.features)],
    );
    return { clip: clip.clip, start, rows, frames: frames.length };
  });
}

function statisticScore(fit: FittedPad, session: Session, statistic: Statistic): number | null {
  if (session.rows.length < Math.max(1, Math.ceil(sessionScoredShareMin * session.frames)))
    return null;
  if (statistic === 'feature_mean') {
    const d = session.rows[0]?.length ?? 0;
    const mean = new Float64Array(d);
    for (const row of session.rows)
      for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0) / session.rows.length;
    return scorePad(fit, mean);
  }
  return sessionScore(frameScores(fit, session), statistic);
}

interface Scored {
  readonly sample: { group: string; domain: string; live: boolean; index: number };
  readonly score: number | null;
  readonly session: Session;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      seconds: { type: 'string', default: '8' },
      fps: { type: 'string', default: '12' },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
      variants: { type: 'string', default: variants.join(',') },
    },
  });
  const chosenVariants = values.variants.split(',') as Variant[];
  assert(
    chosenVariants.every((v) => variants.includes(v)),
    `--variants: a comma-separated list of ${variants.join(', ')}`,
  );
  const seconds = Number(values.seconds);
  const fps = Number(values.fps);
  assert(
    seconds > 0 && seconds <= 30 && fps > 0 && fps <= 30,
    'usage: --seconds 1..30 --fps 1..30',
  );
  const paths = defaultPadPaths(repoRoot);
  const log = (line: string): void => console.log(line);
  const started = performance.now();
  // The corpus pad-texture-v3 was fitted on; this script adds the clips itself, per variant.
  const data = await loadPadProtocolData({ ...paths, log, clips: false });
  const shipped = await loadPassiveTextureDetector({ modelsDir: values.models });
  // The shipped recipe: models/pad-texture-v3.json's candidate (lbp8r1+cues, crop 1, L2 0.3).
  const features = padFeatureSets.find((f) => f.key === 'lbp8r1+cues crop1');
  assert(features !== undefined, 'the shipped feature set');
  assert(
    JSON.stringify(features.spec) === JSON.stringify(shipped.spec) &&
      features.cropScale === shipped.cropScale,
    'the shipped model uses this feature set',
  );
  const candidate = { name: 'shipped recipe', features: features.key, l2: 0.3 };

  const tracker = await createFaceTracker({ modelsDir: values.models });
  const dir = await mkdtemp(path.join(tmpdir(), 'facepay-pad-session-'));
  const clips: ClipFeatures[] = [];
  try {
    const list = await listRecordedClips(paths.dataRoot);
    for (const photo of padAttackPhotos) {
      for (const motion of padAttackMotions) {
        const stem = attackClipStem(photo.file, motion);
        const output = path.join(dir, `${stem}.mp4`);
        await makeAttackClip({
          photo: path.join(paths.dataRoot, photo.file),
          output,
          motion,
          frames: 150,
          framesPerSecond: 25,
          side: 480,
        });
        list.push({
          name: `${stem}.mp4`,
          file: output,
          live: false,
          kind: 'print',
          group: photo.group,
          corpusGroups: photo.group.startsWith('faces:') ? [] : [photo.group],
        });
      }
    }
    for (const clip of list) {
      const t = performance.now();
      const read = await readClipFeatures(clip, tracker, {
        spec: features.spec,
        cropScale: features.cropScale,
        framesPerSecond: fps,
        seconds,
        cacheDir: paths.cacheDir,
      });
      const scored = read.frames.filter((f) => f.features !== null).length;
      log(
        `${clip.name.padEnd(40)} ${clip.kind.padEnd(7)} ${String(scored).padStart(3)}/${String(read.frames.length).padEnd(3)} frames scored (${((performance.now() - t) / 1000).toFixed(1)} s)`,
      );
      clips.push(read);
    }
  } finally {
    tracker.dispose();
    await rm(dir, { recursive: true, force: true });
  }

  const shippedModel = await parsePadTextureModel(
    await readFile(path.join(values.models, padTextureEntry.file)),
    padTextureEntry,
  );
  printShipped(clips, shippedModel, fps);
  const report: Record<string, unknown>[] = [];
  let fitCount = 0;
  for (const variant of chosenVariants) {
    const fitted = evaluateVariant({ variant, clips, data, candidate, fps, report });
    fitCount += fitted;
  }
  console.log(
    `\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; ${fitCount} per-frame fits`,
  );
  if (values.json !== undefined)
    await writeFile(values.json, `${JSON.stringify({ sessions: report }, null, 2)}\n`);
}

/** Per-frame training sets: the passive corpus alone (the shipped recipe), with the other clips' frames
 * too (more cameras and attack species; at most clipTrainFramesMax a clip, evenly spread), or with only
 * the clips a shipped model may train on (not video/live or video/replay, which measure the detector,
 * pad-split.ts, nor selfie_61dc1abd's clips, which check the kiosk unseen, pad-corpus.node.ts). */
const variants = ['corpus', 'corpus+clips', 'corpus+trainable-clips'] as const;
type Variant = (typeof variants)[number];
const clipTrainFramesMax = 24;

interface VariantInput {
  readonly variant: Variant;
  readonly clips: readonly ClipFeatures[];
  readonly data: Awaited<ReturnType<typeof loadPadProtocolData>>;
  readonly candidate: { name: string; features: string; l2: number };
  readonly fps: number;
  readonly report: Record<string, unknown>[];
}

/** The clips' frames appended to the corpus table, as samples of their own clip groups. */
function withClipFrames(input: VariantInput) {
  const { data, clips, candidate } = input;
  const base = data.table.get(candidate.features);
  assert(base !== undefined, 'corpus features of the candidate');
  const rows: (Float64Array | null)[] = [...base];
  const samples: { group: string; domain: string; live: boolean; index: number }[] = [
    ...data.samples.map((s) => ({
      group: s.group,
      domain: s.domain,
      live: s.live,
      index: s.index,
    })),
  ];
  if (input.variant !== 'corpus') {
    const trainable = (c: ClipFeatures): boolean =>
      input.variant === 'corpus+clips' || trainableClip(c.clip);
    for (const c of clips.filter(trainable)) {
      const usable = c.frames.filter((f) => f.features !== null);
      const n = Math.min(clipTrainFramesMax, usable.length);
      for (let k = 0; k < n; k++) {
        const f = usable[Math.floor((k * usable.length) / n)];
        if (f?.features === null || f === undefined) continue;
        samples.push({
          group: c.clip.group,
          domain: 'clips',
          live: c.clip.live,
          index: rows.length,
        });
        rows.push(Float64Array.from(f.features));
      }
    }
  }
  return { samples, table: new Map([[candidate.features, rows]]) };
}

/** Whether a shipped model may learn from this clip (see variants). */
function trainableClip(clip: SessionClip): boolean {
  const dir = path.basename(path.dirname(clip.file));
  return !['live', 'replay'].includes(dir) && clip.group !== 'person:selfie_61dc1abd';
}

/** Prints the variant's tables; returns how many per-frame models it fitted. */
function evaluateVariant(input: VariantInput): number {
  const { clips, candidate, fps, report } = input;
  const train = withClipFrames(input);
  console.log(`\n=== per-frame model trained on: ${input.variant} ===`);
  // Per-frame models, each fitted without a set of corpus groups; cached by that set.
  const fits = new Map<string, FittedPad>();
  const corpusOf = (group: string): string[] =>
    clips.filter((c) => c.clip.group === group).flatMap((c) => c.clip.corpusGroups);
  // Leaving a clip group out leaves out its own frames and the corpus groups it shares.
  const fitWithout = (clipGroups: readonly string[]): FittedPad => {
    const excluded = new Set([...clipGroups, ...clipGroups.flatMap(corpusOf)]);
    const key = [...excluded].sort().join('|');
    const known = fits.get(key);
    if (known !== undefined) return known;
    const kept = train.samples.filter((s) => !excluded.has(s.group));
    const fit = fitPad(kept, train.table, candidate, padCvOptions.iterations);
    fits.set(key, fit);
    return fit;
  };
  const groups = [...new Set(clips.map((c) => c.clip.group))];
  // The per-frame model's own operating point, as train:pad sets it: on inner out-of-fold scores of
  // its training corpus, holding in every domain. The kiosk today bands the session median with it.
  const points = new Map<string, OperatingPoint>();
  const ownPoint = (clipGroup: string): OperatingPoint => {
    const known = points.get(clipGroup);
    if (known !== undefined) return known;
    const excluded = new Set([clipGroup, ...corpusOf(clipGroup)]);
    const kept = train.samples.filter((s) => !excluded.has(s.group));
    const oof = outOfFoldScores(kept, train.table, candidate, padCvOptions);
    const domains = thresholdDomains(kept);
    const point = chooseOperatingPoint(
      oof.filter((s) => domains.includes(s.sample.domain)),
      padCvOptions.targets,
    );
    points.set(clipGroup, point);
    return point;
  };

  for (const length of sessionLengths) {
    const sessions = clips.flatMap((c) => sessionsOf(c, length));
    // scoresFor(outer, statistic): every session scored by a model that saw neither the outer group's
    // corpus groups nor its own clip's.
    const scoreCache = new Map<string, (number | null)[]>();
    const scoresFor = (outer: string, statistic: Statistic): (number | null)[] => {
      const key = `${outer}|${statistic}`;
      const known = scoreCache.get(key);
      if (known !== undefined) return known;
      const out = sessions.map((s) =>
        statisticScore(fitWithout([outer, s.clip.group]), s, statistic),
      );
      scoreCache.set(key, out);
      return out;
    };
    const asScored = (scores: readonly (number | null)[]): Scored[] =>
      sessions.map((session, index) => ({
        sample: { group: session.clip.group, domain: 'clips', live: session.clip.live, index },
        score: scores[index] ?? null,
        session,
      }));
    const pointOn = (part: readonly Scored[]): OperatingPoint =>
      chooseOperatingPoint(part, padCvOptions.targets);

    // Outer: leave one clip group out. Inner: pick the statistic by leave-one-group-out on the rest.
    const perStatistic = new Map<Statistic, (Scored & { point: OperatingPoint })[]>();
    const chosen: (Scored & { point: OperatingPoint })[] = [];
    const choices: Record<string, string> = {};
    for (const outer of groups) {
      let best: { statistic: Statistic; bpcer: number; apcer: number } | null = null;
      for (const statistic of statistics) {
        const scored = asScored(scoresFor(outer, statistic));
        const train = scored.filter((s) => s.sample.group !== outer);
        const test = scored.filter((s) => s.sample.group === outer);
        const point = pointOn(train);
        const held = test.map((s) => ({ ...s, point }));
        perStatistic.set(statistic, [...(perStatistic.get(statistic) ?? []), ...held]);
        // Inner leave-one-group-out over the training groups (the threshold from the other inner groups).
        const inner: (Scored & { point: OperatingPoint })[] = [];
        for (const g of groups.filter((x) => x !== outer)) {
          const innerPoint = pointOn(train.filter((s) => s.sample.group !== g));
          inner.push(
            ...train.filter((s) => s.sample.group === g).map((s) => ({ ...s, point: innerPoint })),
          );
        }
        const r = ratesOf(inner);
        if (
          best === null ||
          r.bpcer < best.bpcer - 1e-12 ||
          (Math.abs(r.bpcer - best.bpcer) <= 1e-12 && r.apcer < best.apcer - 1e-12)
        )
          best = { statistic, bpcer: r.bpcer, apcer: r.apcer };
      }
      assert(best !== null, 'a statistic was chosen');
      choices[outer] = best.statistic;
      const held = perStatistic.get(best.statistic)?.filter((s) => s.sample.group === outer) ?? [];
      chosen.push(...held);
    }
    const atOwnPoint = groups.flatMap((outer) =>
      asScored(scoresFor(outer, 'median'))
        .filter((s) => s.sample.group === outer)
        .map((s) => ({ ...s, point: ownPoint(outer) })),
    );
    const rows: { name: string; scored: (Scored & { point: OperatingPoint })[] }[] = [
      { name: 'median@model', scored: atOwnPoint },
      ...statistics.map((s) => ({ name: s, scored: perStatistic.get(s) ?? [] })),
      { name: 'nested choice', scored: chosen },
    ];
    console.log(
      `\nSESSIONS OF ${length} FRAME(S) (~${(length / fps).toFixed(2)} s at ${fps} frames/s), leave-one-video-group-out`,
    );
    console.log(
      `${'statistic'.padEnd(14)} sessions live/attack  APCER  BPCER refused  uncertain(live) | per clip group: worst/median APCER  worst/median BPCER   AUC`,
    );
    for (const row of rows) {
      const r = ratesOf(row.scored);
      const perGroup = groups.map((g) => ratesOf(row.scored.filter((s) => s.sample.group === g)));
      const a = spread(perGroup.map((x) => (x.attacks > 0 ? x.apcer : null)));
      const b = spread(perGroup.map((x) => (x.reals > 0 ? x.bpcer : null)));
      console.log(
        `${row.name.padEnd(14)} ${String(r.reals).padStart(8)}/${String(r.attacks).padEnd(6)} ${pct(r.apcer)} ${pct(r.bpcer)} ${pct(r.bpcerRefused)} ${pct(r.realsUncertain).padStart(10)}      | ${pct(a?.worst ?? 0)}/${pct(a?.median ?? 0)}     ${pct(b?.worst ?? 0)}/${pct(b?.median ?? 0)}   ${r.auc === null ? 'n/a' : r.auc.toFixed(3)}`,
      );
      report.push({
        variant: input.variant,
        frames: length,
        statistic: row.name,
        ...rates(r),
        apcerGroups: a,
        bpcerGroups: b,
      });
    }
    if (length === sessionLengths[sessionLengths.length - 2]) printClips(chosen, choices);
  }
  return fits.size;
}

/** The kiosk's first session on each clip with the shipped model as the face session uses it: the
 * median of the first shippedSessionFrames scored frames, in the model's own bands. In sample where the
 * model was fitted on the clip's person or camera (marked). */
const shippedSessionFrames = 15;
function printShipped(clips: readonly ClipFeatures[], model: PadTextureModel, fps: number): void {
  const trainedOn = new Set(
    ((model.training as { groups?: unknown }).groups as string[] | undefined) ?? [],
  );
  console.log(
    `\nSHIPPED ${model.modelId} AS THE KIOSK USES IT: median of the first ${shippedSessionFrames} scored frames (~${(shippedSessionFrames / fps).toFixed(1)} s), live >= ${model.threshold.toFixed(3)}, attack < ${model.refuseBelow.toFixed(3)}`,
  );
  const score = (x: readonly number[]): number => {
    let z = model.bias;
    for (let j = 0; j < x.length; j++)
      z += (model.weights[j] ?? 0) * (((x[j] ?? 0) - (model.mean[j] ?? 0)) / (model.std[j] ?? 1));
    return 1 / (1 + Math.exp(-z));
  };
  const tally = {
    live: { live: 0, uncertain: 0, attack: 0 },
    attack: { live: 0, uncertain: 0, attack: 0 },
  };
  for (const c of clips) {
    const frames = c.frames.flatMap((f) => (f.features === null ? [] : [f.features]));
    if (frames[0]?.length !== model.weights.length) {
      console.log(`  ${c.clip.name}: the shipped model's features differ from these; not scored`);
      continue;
    }
    const scores = frames.slice(0, shippedSessionFrames).map(score);
    if (scores.length === 0) continue;
    const median = sessionScore(scores, 'median');
    const band = bandOf(median, { threshold: model.threshold, refuseBelow: model.refuseBelow });
    const inSample =
      c.clip.corpusGroups.some((g) => trainedOn.has(g)) || trainedOn.has(c.clip.group);
    if (!inSample) tally[c.clip.live ? 'live' : 'attack'][band] += 1;
    console.log(
      `  ${c.clip.name.padEnd(42)} ${c.clip.kind.padEnd(7)} median ${median.toFixed(3)} ${band.padEnd(9)}${inSample ? ' (in sample: fitted on this person/camera)' : ''}`,
    );
  }
  console.log(
    `  clips it never saw: live clips live/uncertain/attack ${tally.live.live}/${tally.live.uncertain}/${tally.live.attack}; attack clips ${tally.attack.live}/${tally.attack.uncertain}/${tally.attack.attack}`,
  );
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`.padStart(6);

function rates(r: Rates) {
  return {
    apcer: r.apcer,
    bpcer: r.bpcer,
    bpcerRefused: r.bpcerRefused,
    attacks: r.attacks,
    reals: r.reals,
    failedToAcquire: r.failedToAcquire,
    auc: r.auc,
  };
}

/** Each clip's sessions: which band they fell in, out of sample. */
function printClips(
  scored: readonly (Scored & { point: OperatingPoint })[],
  choices: Readonly<Record<string, string>>,
): void {
  console.log(
    '  per clip (nested choice): sessions live / uncertain / attack / not acquired; scores',
  );
  const names = [...new Set(scored.map((s) => s.session.clip.name))];
  for (const name of names) {
    const part = scored.filter((s) => s.session.clip.name === name);
    const first = part[0];
    if (first === undefined) continue;
    const count = (b: string | null): number =>
      part.filter((s) => (s.score === null ? null : bandOf(s.score, s.point)) === b).length;
    console.log(
      `  ${name.padEnd(40)} ${first.session.clip.kind.padEnd(7)} ${count('live')}/${count('uncertain')}/${count('attack')}/${count(null)}  ${choices[first.sample.group] ?? ''} live>=${first.point.threshold.toFixed(3)} refuse<${first.point.refuseBelow.toFixed(3)}  ${part.map((s) => (s.score === null ? '-' : s.score.toFixed(2))).join(' ')}`,
    );
  }
}

await main();
