// bench:challenge --responder none: how often a recording that ignores every prompt passes the kiosk's
// random challenge (issues 7 / 8): the APCER of the challenge against an unresponsive replay.
//
// Each clip is played as recorded from a seeded start frame (looped from its end to its start, as a
// looping replay does) at its frame rate, into the kiosk's FaceSession under the 'challenge' policy. No
// fitting: the session's tuning is the kiosk's, so every figure is out of sample.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { drawChallenges } from '../../src/biometrics/liveness/active/challenge.ts';
import { openFrameSource } from '../../src/biometrics/replay/frame-source.node.ts';
import { isVideoFile } from '../../src/biometrics/replay/video-files.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { challengeOptions, liveClipFiles, videoDir } from './clips.ts';
import { clipName, decodeFrames } from './clip-frames.ts';
import { tuningWithChallengePool } from '../../src/biometrics/face-session.ts';
import { countsText, passWithinTries, say } from './report.ts';
import type { ResponderEvent } from './responder.ts';
import type { FrameSchedule, RunOutcome, SessionTools } from './run.ts';
import { runSession } from './run.ts';

/** Seeds of the start frames, apart from the seeds of the orders (run k's order is seededRandom(k)'s). */
const startSeedBase = 1_000_003;

/** seeded: each run from a seeded start frame (a loop playing, come upon at a random moment); clip-start:
 * every order once, each from the clip's first frame (an attacker who starts the replay for the kiosk). */
export type ReplayStart = 'seeded' | 'clip-start';

/** A run as planned: its seed (the session draws its order from it), that order, and its first frame. */
export interface PlannedReplay {
  readonly run: number;
  readonly order: Challenge[];
  readonly startFrame: number;
}

export interface ReplayClip {
  readonly file: string;
  readonly name: string;
  /** live: a real person recorded (what a replay attack shows); attack: the shared replay / attack clips. */
  readonly kind: 'live' | 'attack';
  readonly framesPerSecond: number;
  readonly frames: number;
}

export interface ReplayRun {
  readonly run: number;
  readonly order: readonly Challenge[];
  readonly startFrame: number;
  readonly result: RunOutcome;
}

/** A recording played from a start frame, looped; the prompts it is told are ignored. */
export class RecordingPlayback implements FrameSchedule {
  readonly events: readonly ResponderEvent[] = [];
  readonly #frames: number;
  readonly #startFrame: number;
  readonly #frameIntervalMs: number;
  #step = 0;

  constructor(options: { frames: number; startFrame: number; frameIntervalMs: number }) {
    if (!(options.frames > 0 && options.frameIntervalMs > 0))
      throw new Error('a recording has frames and a positive frame interval');
    if (!(options.startFrame >= 0 && options.startFrame < options.frames))
      throw new Error('the start frame is a frame of the recording');
    this.#frames = options.frames;
    this.#startFrame = options.startFrame;
    this.#frameIntervalMs = options.frameIntervalMs;
  }

  next(): { index: number; timestampMs: number } {
    const step = this.#step;
    this.#step += 1;
    return {
      index: (this.#startFrame + step) % this.#frames,
      timestampMs: step * this.#frameIntervalMs,
    };
  }

  observe(): void {
    // A recording cannot hear the prompt.
  }
}

/** The live clips bench:challenge runs, the demo's talking face, then the shared replay / attack clips. */
export async function replayClipFiles(): Promise<{ file: string; kind: 'live' | 'attack' }[]> {
  const replayDir = path.join(videoDir, 'replay');
  const replays = (await readdir(replayDir))
    .filter(isVideoFile)
    .sort()
    .map((name) => path.join(replayDir, name));
  const pairs = (await readdir(path.join(videoDir, 'pairs'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const attacks: string[] = [];
  for (const pair of pairs) {
    const dir = path.join(videoDir, 'pairs', pair);
    for (const name of (await readdir(dir)).filter(isVideoFile).sort())
      if (name.startsWith('attack.')) attacks.push(path.join(dir, name));
  }
  return [
    ...(await liveClipFiles()).map((file) => ({ file, kind: 'live' as const })),
    { file: path.join(videoDir, 'talking-face.mp4'), kind: 'live' },
    ...[...replays, ...attacks].map((file) => ({ file, kind: 'attack' as const })),
  ];
}

/** The clip's frame rate and its frames counted by decoding them (a container's count can be missing). */
export async function probeReplayClip(file: string, kind: ReplayClip['kind']): Promise<ReplayClip> {
  const source = await openFrameSource(file, { folderFps: 25 });
  let frames = 0;
  for await (const frame of source.opening(source.sourceFrames))
    if (frame.image.width > 0) frames++;
  const name = clipName(file);
  return {
    file,
    name: kind === 'attack' ? `${name} (attack)` : name,
    kind,
    framesPerSecond: source.framesPerSecond,
    frames,
  };
}

/** Run k: the order the session draws from seed k out of `pool`, and a start frame drawn from its own seed. */
export function planReplay(
  clip: ReplayClip,
  runs: number,
  pool: readonly Challenge[] = challengeOptions.pool,
): PlannedReplay[] {
  return Array.from({ length: runs }, (_, run) => ({
    run,
    order: drawChallenges(pool, challengeOptions.count, seededRandom(run)),
    startFrame: Math.floor(seededRandom(startSeedBase + run)() * clip.frames),
  }));
}

/** Every order of `count` challenges of the pool once, each run from the clip's first frame, with the first
 * seed from which the session draws that order. */
export function planFromClipStart(pool: readonly Challenge[], count: number): PlannedReplay[] {
  const wanted = orderCount(pool, count);
  const plans = new Map<string, PlannedReplay>();
  for (let seed = 0; plans.size < wanted; seed++) {
    if (seed > 10_000) throw new Error('no seed draws some order: is the random source seeded?');
    const order = drawChallenges(pool, count, seededRandom(seed));
    const key = order.join('>');
    if (!plans.has(key)) plans.set(key, { run: seed, order, startFrame: 0 });
  }
  return [...plans.values()].sort((a, b) => a.run - b.run);
}

/** The frames one run can show: from its start, one session's time limit on (and two more), looped. */
function framesOfRun(clip: ReplayClip, startFrame: number, timeLimitMs: number): Set<number> {
  const count = Math.ceil((timeLimitMs * clip.framesPerSecond) / 1000) + 2;
  return new Set(Array.from({ length: count }, (_, k) => (startFrame + k) % clip.frames));
}

/** The clip's planned runs, each a fresh challenge session shown the recording from its start frame,
 * drawing from `pool` (default the face session's). */
export async function runReplayClip(
  clip: ReplayClip,
  options: {
    runs: number;
    timeLimitMs: number;
    from?: ReplayStart;
    pool?: readonly Challenge[];
  },
  tools: SessionTools,
): Promise<ReplayRun[]> {
  const pool = options.pool ?? challengeOptions.pool;
  const plans =
    options.from === 'clip-start'
      ? planFromClipStart(pool, challengeOptions.count)
      : planReplay(clip, options.runs, pool);
  const results: ReplayRun[] = [];
  for (const planned of plans)
    results.push(await runPlannedReplay(clip, planned, { ...options, pool }, tools));
  return results;
}

/** One planned run: a fresh challenge session shown the recording from the run's start frame. */
export async function runPlannedReplay(
  clip: ReplayClip,
  planned: PlannedReplay,
  options: { timeLimitMs: number; pool?: readonly Challenge[] },
  tools: SessionTools,
): Promise<ReplayRun> {
  const frameIntervalMs = 1000 / clip.framesPerSecond;
  // Decoded per run: a long clip's frames all at once do not fit in memory.
  const images = await decodeFrames(
    clip.file,
    framesOfRun(clip, planned.startFrame, options.timeLimitMs),
  );
  const playback = new RecordingPlayback({
    frames: clip.frames,
    startFrame: planned.startFrame,
    frameIntervalMs,
  });
  const result = await runSession(
    {
      policy: 'challenge',
      tuning: tuningWithChallengePool(options.pool ?? challengeOptions.pool),
      seed: planned.run,
      order: planned.order,
      images,
      frameIntervalMs,
      timeLimitMs: options.timeLimitMs,
    },
    playback,
    tools,
  );
  return { ...planned, result };
}

/** How many orders of `count` challenges the pool makes: a recording doing one fixed order matches a
 * random one this one time in so many (the team's "1 in 6 by chance"). */
export function orderCount(pool: readonly Challenge[], count: number): number {
  let n = 1;
  for (let k = 0; k < count; k++) n *= pool.length - k;
  return n;
}

function tally(results: readonly ReplayRun[]): {
  passed: number;
  refused: Map<string, number>;
  undecided: number;
} {
  const refused = new Map<string, number>();
  for (const r of results.filter((x) => x.result.outcome === 'refused')) {
    const key = r.result.reasons.join('+');
    refused.set(key, (refused.get(key) ?? 0) + 1);
  }
  return {
    passed: results.filter((r) => r.result.outcome === 'decided').length,
    refused,
    undecided: results.filter((r) => r.result.outcome === 'undecided').length,
  };
}

function printClipRow(clip: ReplayClip, results: readonly ReplayRun[]): void {
  const t = tally(results);
  const passes = results
    .filter((r) => r.result.outcome === 'decided')
    .map(
      (r) =>
        `run ${r.run} @${r.startFrame}: ${r.order.join(' > ')} (${r.result.reasons.join(', ')})`,
    )
    .join('; ');
  const refusals = countsText(t.refused);
  say(
    `| ${clip.name} | ${clip.framesPerSecond.toFixed(1)} | ${clip.frames} | ${t.passed}/${results.length} | ${passes || '-'} | ${refusals || '-'} | ${t.undecided} |`,
  );
}

/** The whole mode: every clip, its runs, one row each, and the totals (live people, attack clips). */
export async function benchReplay(
  tools: SessionTools,
  options: { runs: number; timeLimitMs: number; from: ReplayStart; pool: readonly Challenge[] },
): Promise<{ summary: unknown; runs: unknown[] }> {
  const pool = options.pool;
  const orders = orderCount(pool, challengeOptions.count);
  const played =
    options.from === 'clip-start'
      ? `from its first frame, once for each of the ${orders} orders`
      : `from a seeded start frame, ${options.runs} runs a clip`;
  say(
    `\nbench:challenge --responder none  a recording played as recorded (${played}; looped), prompts ignored, into the kiosk's FaceSession, challenge policy (${challengeOptions.count} of ${pool.join('/')}); session time limit ${options.timeLimitMs} ms`,
  );
  say(
    '| clip | fps | frames | passed / runs | passes: run @start frame: order (evidence) | refused (reasons) | undecided |',
  );
  say('|---|---|---|---|---|---|---|');
  const all: { clip: ReplayClip; results: ReplayRun[] }[] = [];
  for (const { file, kind } of await replayClipFiles()) {
    const clip = await probeReplayClip(file, kind);
    const results = await runReplayClip(clip, options, tools);
    printClipRow(clip, results);
    all.push({ clip, results });
  }
  const summary: Record<string, unknown> = {
    pool,
    count: challengeOptions.count,
    from: options.from,
    runsPerClip: options.from === 'clip-start' ? orders : options.runs,
    timeLimitMs: options.timeLimitMs,
  };
  for (const kind of ['live', 'attack'] as const) {
    const mine = all.filter((a) => a.clip.kind === kind).flatMap((a) => a.results);
    const t = tally(mine);
    say(
      `| total, ${kind === 'live' ? 'recordings of real people' : 'replay / attack clips'} (${all.filter((a) => a.clip.kind === kind).length} clips) | | | ${t.passed}/${mine.length} | | ${countsText(t.refused) || '-'} | ${t.undecided} |`,
    );
    summary[kind] = {
      passed: t.passed,
      runs: mine.length,
      refused: Object.fromEntries(t.refused),
      undecided: t.undecided,
    };
  }
  // Per payment: each refusal uses one of its face tries and the next try draws afresh, so a clip passing
  // p of its draws gets through a payment 1 - (1 - p)^tries of the time (before the tries counted
  // refusals, the retry button gave it draws without end).
  const worst = all
    .map(({ clip, results }) => ({ clip, t: tally(results), runs: results.length }))
    .filter((c) => c.runs > 0)
    .sort((a, b) => b.t.passed / b.runs - a.t.passed / a.runs)[0];
  if (worst !== undefined) {
    const perPayment = passWithinTries(worst.t.passed, worst.runs, faceTriesPerPaymentMax);
    say(
      `a payment's ${faceTriesPerPaymentMax} face tries, each a fresh draw: the clip passed most often, ${worst.clip.name} (${worst.t.passed}/${worst.runs} draws), gets through ${(100 * perPayment).toFixed(1)}% of payments; then the member number and PIN, or staff`,
    );
    summary['perPayment'] = {
      tries: faceTriesPerPaymentMax,
      clip: worst.clip.name,
      passedDraws: worst.t.passed,
      draws: worst.runs,
      passRate: perPayment,
    };
    // Across payments (a patient tapping "check in" again): the kiosk pauses face checks after
    // faceLooksFailedInARowMax failed looks in a row, until staff resume them.
    const beforePause = passWithinTries(worst.t.passed, worst.runs, faceLooksFailedInARowMax);
    say(
      `across payments, until the kiosk pauses face checks (${faceLooksFailedInARowMax} failed looks in a row; staff resume them): the same clip gets through ${(100 * beforePause).toFixed(1)}% of the time`,
    );
    summary['beforeFacePause'] = { looks: faceLooksFailedInARowMax, passRate: beforePause };
  }
  say(
    `"1 in ${orders} by chance": ${orders} orders of ${challengeOptions.count} of ${pool.length} challenges, so a recording doing one fixed order matches a random one 1 time in ${orders}; the passes above are what recordings of people who turn, look and blink on their own actually get`,
  );
  return {
    summary,
    runs: all.flatMap(({ clip, results }) =>
      results.map((r) => ({
        clip: clip.name,
        kind: clip.kind,
        run: r.run,
        order: r.order,
        startFrame: r.startFrame,
        outcome: r.result.outcome,
        reasons: r.result.reasons,
        decisionMs: r.result.decisionMs,
        frames: r.result.frames,
        prompts: r.result.prompts,
      })),
    ),
  };
}
