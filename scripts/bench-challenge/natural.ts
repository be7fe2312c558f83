// bench:challenge --policy natural: what the 'blink' prompt's timing (blinkPromptAfterMs) costs a shopper
// who blinks only when asked, on the kiosk's default (natural) policy. Issue 7.
//
// The scripted shopper stands on a frontal stretch of its clip with no blink in it (looped back and
// forth) until the session prompts 'blink', then, a reaction time later, plays one of the clip's own
// blinks and stands again. Each blinkPromptAfterMs value runs the same seeded runs.
import {
  defaultFaceSessionTuning,
  type FaceSessionTuning,
} from '../../src/biometrics/face-session.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import type { Clip } from './clips.ts';
import { framesNeeded, homeFor, limits, segmentsFor } from './clips.ts';
import { decodeFrames } from './clip-frames.ts';
import type { RunRow } from './report.ts';
import { countsText, jsonRow, ms, quantileMs, say, share } from './report.ts';
import type { RunOutcome, SessionTools } from './run.ts';
import { runScripted, splitTime } from './run.ts';
import type { ActionSegment, FrameRange } from './segments.ts';

/** The values compared by default: at once (the kiosk's, defaultFaceSessionTuning, since 2026-12-05), a third of
 * the way, and the kiosk's 1,500 ms before that. */
export const blinkPromptAfterMsDefault: readonly number[] = [0, 500, 1500];
/** A prompt later than this is past any useful wait (the kiosk worker's session lasts 15 s). */
export const blinkPromptAfterMsMax = 10_000;

export interface NaturalOptions {
  readonly runs: number;
  readonly reactionMs: number;
  readonly blinkPromptAfterMs: readonly number[];
  readonly timeLimitMs: number;
  /** The kinds the challenge draws from when the natural policy asks it (default: the session's pool). */
  readonly pool?: readonly Challenge[];
}

/** One seeded run: the clip whose person stands and blinks, which of its blinks, and where it stands. */
export interface NaturalPlan {
  readonly run: number;
  readonly clip: Clip;
  readonly blink: ActionSegment;
  readonly home: FrameRange;
  /** The home's frame shown first, drawn from the run's seed: runs on one clip and blink differ in
   * where the person is in their stretch when first seen (else they repeat each other frame for frame). */
  readonly homeFrom: number;
}

/** Why a clip's person cannot be the shopper here; null when it can. */
export function whyNotNatural(clip: Clip): string | null {
  if (clip.homes.length === 0) return 'no frontal stretch long enough to stand on';
  if (segmentsFor(clip, 'blink').length > 0) return null;
  const rejected = clip.segments.rejected.filter((x) => x.action === 'blink');
  if (rejected.length === 0) return 'no blink found';
  return `no usable blink (${rejected.map((x) => `@${x.onset}: ${x.why}`).join('; ')})`;
}

/** Run k takes the k-th able clip in turn, and on each pass over them that clip's next blink. */
export function planNatural(clips: readonly Clip[], runs: number): NaturalPlan[] {
  const able = clips.filter((c) => whyNotNatural(c) === null);
  if (able.length === 0) return [];
  return Array.from({ length: runs }, (_, run) => {
    const clip = able[run % able.length] as Clip;
    const blinks = segmentsFor(clip, 'blink');
    const blink = blinks[Math.floor(run / able.length) % blinks.length] as ActionSegment;
    const home = homeFor(clip, blink);
    const homeFrom = home.start + Math.floor(seededRandom(run)() * (home.end - home.start + 1));
    return { run, clip, blink, home, homeFrom };
  });
}

/** The kiosk's tuning with only the prompt's delay changed (and the challenge's pool, where given). */
export function tuningWithBlinkPromptAfter(
  blinkPromptAfterMs: number,
  pool: readonly Challenge[] = defaultFaceSessionTuning.challenge.pool,
): FaceSessionTuning {
  const challenge = { ...defaultFaceSessionTuning.challenge, pool };
  return { ...defaultFaceSessionTuning, blinkPromptAfterMs, challenge };
}

/** One shopper on the natural policy; `blinks` false: one who never blinks (nothing to answer with). */
export async function runNatural(
  plan: NaturalPlan,
  images: ReadonlyMap<number, RgbImage>,
  options: { reactionMs: number; tuning: FaceSessionTuning; timeLimitMs: number; blinks: boolean },
  tools: SessionTools,
): Promise<RunOutcome> {
  const readings = plan.clip.readings;
  return runScripted(
    {
      policy: 'natural',
      tuning: options.tuning,
      seed: plan.run,
      order: [],
      readings: readings.readings,
      images,
      frameIntervalMs: 1000 / readings.framesPerSecond,
      home: plan.home,
      homeFrom: plan.homeFrom,
      answers: new Map(options.blinks ? [['blink', plan.blink]] : []),
      reactionMs: options.reactionMs,
      turnDwellMs: null,
      limits,
      timeLimitMs: options.timeLimitMs,
    },
    tools,
  );
}

/** When the session first prompted 'blink', from the first face (null: never). */
export function blinkPromptMs(outcome: RunOutcome): number | null {
  const first = outcome.firstFaceMs;
  const prompt = outcome.prompts.find((p) => p.prompt === 'blink');
  return first === null || prompt === undefined ? null : prompt.atMs - first;
}

export interface NaturalRow extends RunRow {
  readonly blinkPromptAfterMs: number;
  readonly blinkOnset: number;
  readonly home: FrameRange;
  readonly homeFrom: number;
  readonly result: RunOutcome;
}

/** The figures of one blinkPromptAfterMs value over its runs. */
interface MsFigures {
  readonly median: number | null;
  readonly p95?: number | null;
  readonly max: number | null;
}

export interface NaturalFigures {
  readonly blinkPromptAfterMs: number | null;
  readonly runs: number;
  readonly decided: number;
  readonly refused: number;
  readonly decisionMs: MsFigures;
  readonly promptAfterFirstFaceMsMedian: number | null;
  readonly prompted: number;
  readonly decidedUnprompted: number;
  readonly afterPromptDecisionMs: MsFigures & { readonly decided: number };
  readonly challengeAsked: number;
  readonly personMsMedian: number | null;
  readonly personShare: string;
  readonly sessionMsMedian: number | null;
  readonly pushMs: MsFigures & { readonly frames: number };
  readonly notDecided: Readonly<Record<string, number>>;
}

export function naturalFigures(rows: readonly NaturalRow[]): NaturalFigures {
  const decided = rows.filter((r) => r.result.outcome === 'decided');
  const times = decided.flatMap((r) => (r.result.decisionMs === null ? [] : [r.result.decisionMs]));
  const splits = decided.flatMap((r) => (r.split === null ? [] : [r.split]));
  const person = splits.map((s) => s.reactionMs + s.actionMs);
  const session = splits.map((s) => s.settleMs + s.sessionWaitMs);
  const prompts = rows.flatMap((r) => {
    const at = blinkPromptMs(r.result);
    return at === null ? [] : [at];
  });
  const afterPrompt = decided.flatMap((r) =>
    blinkPromptMs(r.result) === null || r.result.decisionMs === null ? [] : [r.result.decisionMs],
  );
  const notDecided = new Map<string, number>();
  for (const r of rows.filter((x) => x.result.outcome !== 'decided')) {
    const key = `${r.result.outcome}: ${r.result.reasons.join(', ')}`;
    notDecided.set(key, (notDecided.get(key) ?? 0) + 1);
  }
  const pushes = rows.flatMap((r) => r.result.pushMs);
  return {
    blinkPromptAfterMs: rows[0]?.blinkPromptAfterMs ?? null,
    runs: rows.length,
    decided: decided.length,
    refused: rows.filter((r) => r.result.outcome === 'refused').length,
    decisionMs: {
      median: quantileMs(times, 0.5),
      p95: quantileMs(times, 0.95),
      max: times.length === 0 ? null : Math.max(...times),
    },
    promptAfterFirstFaceMsMedian: quantileMs(prompts, 0.5),
    prompted: prompts.length,
    decidedUnprompted: decided.filter((r) => blinkPromptMs(r.result) === null).length,
    // The runs that show what the prompt's timing costs: decided only once prompted and blinking.
    afterPromptDecisionMs: {
      decided: afterPrompt.length,
      median: quantileMs(afterPrompt, 0.5),
      max: afterPrompt.length === 0 ? null : Math.max(...afterPrompt),
    },
    challengeAsked: rows.filter((r) => r.result.challengeAskedAtMs !== null).length,
    personMsMedian: quantileMs(person, 0.5),
    personShare: share(person, session),
    sessionMsMedian: quantileMs(session, 0.5),
    pushMs: {
      median: quantileMs(pushes, 0.5),
      p95: quantileMs(pushes, 0.95),
      max: pushes.length === 0 ? null : Math.max(...pushes),
      frames: pushes.length,
    },
    notDecided: Object.fromEntries(notDecided),
  };
}

function printNaturalRunHeader(): void {
  say(
    '\n| blinkPromptAfterMs | run | clip | stands on (from) | blink @ | outcome | first face -> decision ms | blink prompt ms | reaction | blink | session wait | challenge asked ms | passive median (band) | reasons / evidence |',
  );
  say('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
}

function printNaturalRun(row: NaturalRow): void {
  const r = row.result;
  const s = row.split;
  const asked =
    r.challengeAskedAtMs === null || r.firstFaceMs === null
      ? '-'
      : ms(r.challengeAskedAtMs - r.firstFaceMs);
  const passive =
    r.passive?.median == null ? '-' : `${r.passive.median.toFixed(4)} (${r.passive.band ?? '-'})`;
  say(
    `| ${row.blinkPromptAfterMs} | ${row.run} | ${row.clip ?? '-'} | ${row.home.start}-${row.home.end} (${row.homeFrom}) | ${row.blinkOnset} | ${r.outcome} | ${ms(r.decisionMs)} | ${ms(blinkPromptMs(r))} | ${ms(s?.reactionMs)} | ${ms(s?.actionMs)} | ${ms(s?.sessionWaitMs)} | ${asked} | ${passive} | ${r.reasons.join(', ')} |`,
  );
}

function printNaturalTable(figures: readonly NaturalFigures[]): void {
  say(
    '\n| blinkPromptAfterMs | runs | decided | refused (reasons) | first face -> decision median / p95 / max ms | blink prompt after first face, median ms | decided after the prompt: runs, median / max ms | person (reaction + blink), median ms (share) | decided unprompted | challenge asked |',
  );
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of figures) {
    const d = f.decisionMs;
    const a = f.afterPromptDecisionMs;
    const reasons = countsText(Object.entries(f.notDecided));
    say(
      `| ${String(f.blinkPromptAfterMs)} | ${String(f.runs)} | ${String(f.decided)} | ${String(f.refused)}${reasons === '' ? '' : ` (${reasons})`} | ${ms(d.median)} / ${ms(d.p95)} / ${ms(d.max)} | ${ms(f.promptAfterFirstFaceMsMedian)} | ${String(a.decided)}: ${ms(a.median)} / ${ms(a.max)} | ${ms(f.personMsMedian)} (${f.personShare}) | ${String(f.decidedUnprompted)} | ${String(f.challengeAsked)} |`,
    );
  }
}

/** Every value's runs over every planned clip, decoding each clip's frames once. */
export async function benchNatural(
  clips: readonly Clip[],
  tools: SessionTools,
  options: NaturalOptions,
): Promise<{ summary: unknown; runs: unknown[] }> {
  const unable = clips.flatMap((c) => {
    const why = whyNotNatural(c);
    return why === null ? [] : [{ clip: c.readings.name, why }];
  });
  const plans = planNatural(clips, options.runs);
  printNaturalRunHeader();
  const rows: NaturalRow[] = [];
  for (const clip of clips) {
    const mine = plans.filter((p) => p.clip === clip);
    if (mine.length === 0) continue;
    const images = await decodeFrames(clip.readings.file, framesNeeded(clip));
    for (const blinkPromptAfterMs of options.blinkPromptAfterMs)
      for (const plan of mine) {
        const tuning = tuningWithBlinkPromptAfter(blinkPromptAfterMs, options.pool);
        const result = await runNatural(plan, images, { ...options, tuning, blinks: true }, tools);
        const row: NaturalRow = {
          run: plan.run,
          order: [],
          clip: clip.readings.name,
          result,
          split: splitTime(result),
          spliceMax: null,
          frameIntervalMs: 1000 / clip.readings.framesPerSecond,
          blinkPromptAfterMs,
          blinkOnset: plan.blink.onset,
          home: plan.home,
          homeFrom: plan.homeFrom,
        };
        printNaturalRun(row);
        rows.push(row);
      }
  }
  const figures = options.blinkPromptAfterMs.map((value) =>
    naturalFigures(
      rows.filter((r) => r.blinkPromptAfterMs === value).sort((a, b) => a.run - b.run),
    ),
  );
  const distinct = new Set(
    plans.map((p) => `${p.clip.readings.name}@${p.blink.onset}/${p.homeFrom}`),
  );
  printNaturalSummary(figures, unable, { ...options, distinct: distinct.size });
  return {
    summary: {
      policy: 'natural',
      reactionMs: options.reactionMs,
      runs: options.runs,
      answerable: plans.length,
      distinct: distinct.size,
      blinkPromptAfterMs: options.blinkPromptAfterMs,
      byBlinkPromptAfterMs: figures,
      unanswered: unable,
    },
    runs: rows.map((r) => ({
      ...jsonRow(r),
      policy: 'natural',
      blinkPromptAfterMs: r.blinkPromptAfterMs,
      blinkOnset: r.blinkOnset,
      home: r.home,
      homeFrom: r.homeFrom,
      blinkPromptMs: blinkPromptMs(r.result),
      challengeAskedAtMs: r.result.challengeAskedAtMs,
      passive: r.result.passive,
    })),
  };
}

function printNaturalSummary(
  figures: readonly NaturalFigures[],
  unable: readonly { clip: string; why: string }[],
  options: NaturalOptions & { distinct: number },
): void {
  say(
    `\nbench:challenge --policy natural  face first seen -> face session decided, natural policy (the kiosk's default), scripted shopper who blinks only when prompted`,
  );
  say(
    `runs ${options.runs} per value (${options.distinct} distinct: clip, blink and first frame shown), the same seeded runs for each; reaction ${options.reactionMs} ms; session time limit ${options.timeLimitMs} ms (the kiosk worker's); tuning: defaultFaceSessionTuning with only blinkPromptAfterMs changed; challenge pool ${(options.pool ?? defaultFaceSessionTuning.challenge.pool).join('/')}`,
  );
  if (unable.length > 0)
    say(
      `clips that cannot run (no blink to answer with): ${unable.map((u) => `${u.clip} (${u.why})`).join('; ')}`,
    );
  printNaturalTable(figures);
  say(
    "\nperson: from the prompt to the blink's onset (the reaction) plus the blink itself, as recorded; share: of all decided runs' time. decided unprompted: decided before any 'blink' prompt, on natural motion the recorded person made within the frontal frames stood on (evidence column). challenge asked: the passive score was uncertain, so the natural policy asked its challenge, which this shopper answers only with its one blink, and only if it has not blinked yet (it never turns).",
  );
  say(
    'not modelled: a shopper who never needs the prompt (one who blinks or turns on their own before it is decided without it, whatever blinkPromptAfterMs is). This shopper shows no blink and stands frontal until prompted: these are the times of one who waits to be asked.',
  );
  say(
    "times on the frames' timestamps (the person's timeline), the face session only: not the camera, hub or screens",
  );
  const pushes = figures.map(
    (f) =>
      `${String(f.blinkPromptAfterMs)}: ${ms(f.pushMs.median)} / ${ms(f.pushMs.p95 ?? null)} over ${f.pushMs.frames}`,
  );
  say(
    `wall clock per frame, session push (engine + passive + liveness), Node tfjs wasm on this machine (shared cores), median / p95 ms by blinkPromptAfterMs: ${pushes.join('; ')}`,
  );
}
