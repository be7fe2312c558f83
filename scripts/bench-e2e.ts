// `npm run bench:e2e -- [--video FILE] [--runs N] [--json FILE]`: the shop flow N times in Chromium with
// the video as the camera, the person enrolled from its first seconds. Measures face first seen -> hold
// settled, split into camera (grabbing frames), engine (worker: detection to liveness decision), hub
// (identify, verify-pin + hold round trips) and ui (screens and taps). Baseline in the same run: the
// hub's own time for the same three calls made directly from Node, without the kiosk. Each run's total is
// also split by who it waited on, from the session's own report (kiosk/run-waits.ts): a blink or motion,
// a challenge asked and not answered (a passive median settled uncertain), the taps, the kiosk and hub.
//
// `--answer-challenges [--pool KINDS] [--reaction-ms 500] [--turn-dwell-ms N [--turn-extent X]]`: the
// challenge path, which a looping recording can never take. The kiosk's policy asks the challenge every
// time, drawn from the kinds the clip's person performs (default video/live/live-05.mov, enrolled from its
// first 3.2 s); a scripted camera (kiosk/scripted-shopper.ts) plays her own recorded moves reactionMs after
// each prompt shows, as bench:challenge's shopper does in Node, here through the whole kiosk.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import { startHub } from '../src/hub/hub.ts';
import { percentile } from '../src/biometrics/replay/pipeline.ts';
import { repoRoot, startWebShell } from '../src/main/web-shell.ts';
import type { Challenge } from '../src/shared/challenge-kinds.ts';
import { challengeKinds, challengePoolMin } from '../src/shared/challenge-kinds.ts';
import { HubClient } from '../src/shared/hub-client.ts';
import { buildRenderer } from './kiosk/build-renderer.ts';
import {
  cameraClip,
  EmptyCameraClipError,
  MissingToolError,
  sampleCameraWindow,
  sampleEnrolSeconds,
} from './kiosk/camera-clip.ts';
import type { ResponderEvent } from './bench-challenge/responder.ts';
import { parsePool } from './bench-challenge/options.ts';
import { defaultTurnExtent } from './bench-challenge/segments.ts';
import { setUpShopWithShopperFromVideo } from './kiosk/deployment.ts';
import type { Answered, ScriptedShopper } from './kiosk/scripted-shopper.ts';
import {
  ClipCannotAnswerError,
  installScriptedCamera,
  loadShopperFrames,
  prepareScriptedShopper,
  promptedChallenges,
  whileAnswering,
} from './kiosk/scripted-shopper.ts';
import type { KioskMark, StageTimes } from './kiosk/kiosk-browser.ts';
import {
  clearMarks,
  followPayment,
  launchKioskBrowser,
  marks,
  openKiosk,
  requestPayment,
  stageTimes,
  waitForScreen,
} from './kiosk/kiosk-browser.ts';
import type { RunWaits } from './kiosk/run-waits.ts';
import {
  runWaits,
  runWaitsWarning,
  summariseWaits,
  waitLabels,
  waitParts,
} from './kiosk/run-waits.ts';

/** The challenge's moves (a 'blink' prompt may be the natural policy's own, so it is left out). */
const moves: readonly string[] = challengeKinds.filter((kind) => kind !== 'blink');
const sampleVideo = path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4');
/** The one shared clip whose person turns both ways and looks up and down, each from a frontal pose
 * (bench:challenge's segment table), enrolled from her frontal opening (0-3.2 s). */
const answeringVideo = path.join(repoRoot, '..', 'shared', 'data', 'video', 'live', 'live-05.mov');
const answeringEnrolSeconds = 3.2;
const { values } = parseArgs({
  options: {
    video: {
      type: 'string',
      default: path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4'),
    },
    runs: { type: 'string', default: '10' },
    json: { type: 'string' },
    'enrol-seconds': { type: 'string', default: String(sampleEnrolSeconds) },
    'camera-from': { type: 'string' },
    'camera-seconds': { type: 'string', default: '30' },
    'answer-challenges': { type: 'boolean', default: false },
    'reaction-ms': { type: 'string', default: '500' },
    pool: { type: 'string' },
    'turn-dwell-ms': { type: 'string' },
    'turn-extent': { type: 'string', default: String(defaultTurnExtent) },
  },
});
const runs = Number(values.runs);
// --answer-challenges: the challenge path. The kiosk always asks the challenge, drawn from the kinds the
// clip's person performs; a scripted camera plays her own recorded moves on cue (scripted-shopper.ts).
const answering = values['answer-challenges'];
const video = answering && values.video === sampleVideo ? answeringVideo : values.video;
const enrolSeconds = Number(
  answering && values['enrol-seconds'] === String(sampleEnrolSeconds)
    ? answeringEnrolSeconds
    : values['enrol-seconds'],
);
const reactionMs = Number(values['reaction-ms']);
// bench:challenge's reading of --pool: known kinds, none twice, at least as many as the kiosk draws.
const poolAsked = values.pool === undefined ? undefined : parsePool(values.pool);
const poolValid = poolAsked === undefined || (answering && poolAsked !== null);
// As bench:challenge's: a move held at its extreme (past turnExtent of its peak) longer than this is cut.
const turnDwellMs = values['turn-dwell-ms'] === undefined ? null : Number(values['turn-dwell-ms']);
const turnExtent = Number(values['turn-extent']);
const movesValid = (turnDwellMs === null || turnDwellMs >= 0) && turnExtent > 0 && turnExtent <= 1;
const numbersValid = Number.isInteger(runs) && runs >= 1 && reactionMs >= 0 && enrolSeconds > 0;
if (!(numbersValid && movesValid && poolValid)) {
  process.stderr.write(
    'usage: bench:e2e [--video FILE] [--runs N] [--json FILE] [--enrol-seconds S] [--camera-from S]\n' +
      '       bench:e2e --answer-challenges [--video FILE] [--enrol-seconds S] [--reaction-ms 500] [--pool KINDS] [--turn-dwell-ms N [--turn-extent 0..1]] [--runs N]\n',
  );
  process.exit(2);
}
const say = (line: string) => process.stdout.write(`${line}\n`);

interface RunResult {
  run: number;
  outcome: string;
  errorCode: string | null;
  /** Why the face session refused, when it did (its liveness reasons). */
  refusedFor: string | null;
  /** The liveness evidence the session decided on (e.g. passive_texture_live, blink, challenge_passed). */
  decidedOn: string[];
  /** Of the engine stage, the session's wait for a blink or 3-D motion alone (null: not decided). */
  motionWaitMs: number | null;
  stages: StageTimes | null;
  framesSent: number;
  framesDropped: number;
  /** Each frame's worker stages (ms), from the run's frame marks. */
  frameStages: Record<string, number>[];
  /** --answer-challenges: where the challenge path's time went (null: another mode, or not settled). */
  phases: ChallengePhases | null;
  /** The total by who it waited on, from the session's report (run-waits.ts; null: not settled). */
  waits: RunWaits | null;
  /** The challenge's moves the face screen prompted (frame marks), in order, each once. */
  movesPrompted: string[];
}

const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-bench-e2e-'));
const adminToken = `bench-${randomBytes(12).toString('hex')}`;
const hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
try {
  const shopper = answering ? await scriptedShopperOf(video, poolAsked ?? undefined) : null;
  const { shop, enrolled } = await setUpShopWithShopperFromVideo({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    shop: { id: 'bench-shop', name: 'Bench Shop' },
    shopper: { id: 'bench-shopper', name: 'Bench Shopper', deposit: 1_000_000 },
    video,
    enrolSeconds,
    dateOfBirth: '1985-05-05',
    pin: '4862',
    ...(shopper === null
      ? {}
      : { livenessPolicy: 'challenge', challengeKinds: [...shopper.answers.keys()] }),
  });
  const clip =
    shopper !== null
      ? null
      : await cameraClip({
          video,
          output: path.join(work, 'camera.y4m'),
          // The sample video's window with blinks (camera-clip.ts); another video from after its enrolment part.
          startS: Number(
            values['camera-from'] ??
              (video === sampleVideo ? sampleCameraWindow.startS : enrolSeconds),
          ),
          durationS: Number(values['camera-seconds']),
        });
  const rendererDir = await buildRenderer(path.join(work, 'renderer'));
  const shell = await startWebShell({ config: shop.config, port: 0, rendererDir });
  const browser = await launchKioskBrowser(clip);
  const results: RunResult[] = [];
  try {
    const page = await openKiosk(browser, shell.url, [], {
      ...(shopper === null ? {} : { beforeOpen: installScriptedCamera }),
    });
    if (shopper !== null) {
      await loadShopperFrames(page, shopper);
      say(
        `${path.basename(video)}: the kiosk draws 2 of ${[...shopper.answers.keys()].join(', ')}`,
      );
    }
    for (let run = 1; run <= runs; run += 1) {
      await clearMarks(page);
      const requested = await requestPayment(shell.url, shop.tillToken, {
        amount: 100 + run,
        reference: `bench-${run}`,
      });
      const pay = () => followPayment(page, { pin: enrolled.pin, timeoutMs: 40_000 });
      const answered =
        shopper === null ? undefined : await answerOnFaceScreen(page, shopper, reactionMs, pay);
      const followed = answered === undefined ? await pay() : answered.result;
      const timeline = await marks(page);
      const phases = answered === undefined ? null : challengePhases(answered, timeline);
      if (answered !== undefined)
        say(
          `run ${run}: asked ${promptedChallenges(answered.events).join(' > ')}` +
            (phases === null ? '' : ` ${JSON.stringify(phases)}`),
        );
      const decided = timeline.find((m) => m.name === 'face_decided' || m.name === 'face_refused');
      results.push({
        run,
        outcome: followed.outcome,
        errorCode: followed.errorCode,
        refusedFor:
          decided?.name === 'face_refused' ? String(decided.detail?.['reasons'] ?? '') : null,
        decidedOn:
          decided?.name === 'face_decided'
            ? String(decided.detail?.['checks'] ?? '')
                .split(',')
                .filter((check) => check !== '')
            : [],
        motionWaitMs:
          decided?.name === 'face_decided' ? Number(decided.detail?.['motionWaitMs'] ?? 0) : null,
        stages: followed.outcome === 'paid' ? stageTimes(timeline) : null,
        phases: followed.outcome === 'paid' ? phases : null,
        waits: followed.outcome === 'paid' ? runWaits(timeline) : null,
        movesPrompted: [
          ...new Set(
            timeline.flatMap((m) =>
              m.name === 'frame' && moves.includes(String(m.detail?.['prompt'] ?? ''))
                ? [String(m.detail?.['prompt'])]
                : [],
            ),
          ),
        ],
        framesSent: Number(decided?.detail?.['framesSent'] ?? 0),
        framesDropped: Number(decided?.detail?.['framesDropped'] ?? 0),
        frameStages: timeline
          .filter((m) => m.name === 'frame')
          .map((m) =>
            Object.fromEntries(
              Object.entries(m.detail ?? {}).flatMap(([key, value]) =>
                key.startsWith('stage_') || key === 'processMs'
                  ? [[key.replace(/^stage_/, ''), Number(value)]]
                  : [],
              ),
            ),
          ),
      });
      say(
        `run ${run}: ${followed.outcome} ${followed.errorCode ?? ''}` +
          `${results.at(-1)?.refusedFor === null ? '' : ` (${results.at(-1)?.refusedFor ?? ''})`} ${JSON.stringify(results.at(-1)?.stages ?? {})}` +
          ` ${results.at(-1)?.decidedOn.join('+') ?? ''}` +
          ` motion wait ${results.at(-1)?.motionWaitMs ?? '-'} ms` +
          waitsLine(results.at(-1)?.waits ?? null) +
          (results.at(-1)?.movesPrompted.length
            ? `; prompted ${results.at(-1)?.movesPrompted.join(', ')}`
            : ''),
      );
      const capped = runWaitsWarning(run, results.at(-1)?.waits ?? null);
      if (capped !== null) say(capped);
      if (followed.outcome !== 'paid') {
        await fetch(`${shell.url}/kiosk/v1/payment-requests/${requested.body.payment?.id ?? ''}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${shop.tillToken}` },
        });
      } else {
        await page.getByRole('button', { name: /完了|Done/ }).click();
      }
      await waitForScreen(page, ['idle'], 15_000);
    }
  } finally {
    await browser.close();
    await shell.close();
  }
  const baseline = await hubBaseline(hub.url, adminToken);
  report(results, baseline);
} catch (error) {
  // The operator's setup (a short video, no ffmpeg) is a sentence and an exit code, not a stack.
  if (!(
    error instanceof EmptyCameraClipError ||
    error instanceof MissingToolError ||
    error instanceof ClipCannotAnswerError
  ))
    throw error;
  process.stderr.write(`bench:e2e: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await hub.close();
  await rm(work, { recursive: true, force: true });
}

/** The clip's person read by the kiosk's tracker in Node, her answers found (bench:challenge's reader);
 * with `pool`, only her answers of those kinds (the kiosk then draws from them alone). */
async function scriptedShopperOf(
  file: string,
  pool: readonly Challenge[] | undefined,
): Promise<ScriptedShopper> {
  const tracker = await createFaceTracker({ modelsDir: path.join(repoRoot, 'models') });
  try {
    const read = await prepareScriptedShopper(file, tracker, turnExtent);
    const unknown = pool?.filter((kind) => !read.answers.has(kind)) ?? [];
    if (unknown.length > 0)
      throw new ClipCannotAnswerError(
        `${path.basename(file)}: its person does not perform ${unknown.join(', ')} (she performs ${[...read.answers.keys()].join(', ')})`,
      );
    const shopper =
      pool === undefined
        ? read
        : {
            ...read,
            answers: new Map([...read.answers].filter(([kind]) => pool.includes(kind))),
          };
    if (shopper.answers.size < challengePoolMin)
      throw new ClipCannotAnswerError(
        `${path.basename(file)}: its person performs ${shopper.answers.size} challenge kinds (${[...shopper.answers.keys()].join(', ')}); a kiosk draws from ${challengePoolMin} or more`,
      );
    return shopper;
  } finally {
    tracker.dispose();
  }
}

/** Once the face screen shows, she stands at the camera and answers its prompts while the payment runs. */
async function answerOnFaceScreen<T>(
  page: Page,
  shopper: ScriptedShopper,
  reaction: number,
  pay: () => Promise<T>,
): Promise<Answered<T>> {
  await waitForScreen(page, ['face'], 15_000);
  return whileAnswering(page, shopper, { reactionMs: reaction, turnDwellMs }, pay);
}

/**
 * The challenge path cut at the two prompts, on the page's clock: the kiosk settling on a frontal face
 * before it asks (settle); the shopper's reaction, first move and way back until the second prompt
 * (first); her reaction and second move, then the kiosk's wait for a frontal probe frame (second); the
 * identification, PIN and hold (after).
 */
interface ChallengePhases {
  settle: number;
  first: number;
  second: number;
  after: number;
}

function challengePhases(
  answered: { events: ResponderEvent[]; pageMsAtStart: number | null },
  timeline: readonly KioskMark[],
): ChallengePhases | null {
  const at = (name: string) => timeline.find((m) => m.name === name)?.at;
  const [firstFace, decided, paid] = [at('face_first_seen'), at('face_decided'), at('paid')];
  const prompts = answered.events.flatMap((e) => (e.kind === 'prompt' ? [e.atMs] : []));
  const [p1, p2] = prompts.map((ms) => ms + (answered.pageMsAtStart ?? Number.NaN));
  const known = (t: number | undefined): t is number => t !== undefined && Number.isFinite(t);
  if (!(known(firstFace) && known(p1) && known(p2) && known(decided) && known(paid))) return null;
  return {
    settle: Math.round(p1 - firstFace),
    first: Math.round(p2 - p1),
    second: Math.round(decided - p2),
    after: Math.round(paid - decided),
  };
}

interface PathSummary {
  settledRuns: number;
  medianMs: number | null;
  maxMs: number | null;
}

/**
 * Median and p95, over settled runs, of the engine stage's two parts, of the total less the motion wait, of
 * the shopper's taps, and of the total less both (without a challenge, the kiosk's and the hub's time alone).
 */
function engineSplit(results: readonly RunResult[]) {
  const settled = results.flatMap((r) =>
    r.stages === null || r.motionWaitMs === null
      ? []
      : [{ stages: r.stages, waitMs: Math.min(r.motionWaitMs, r.stages.engine) }],
  );
  const at = (pick: (run: (typeof settled)[number]) => number, q: number) =>
    settled.length === 0 ? null : Math.round(percentile(settled.map(pick), q));
  return {
    readyMedianMs: at((r) => r.stages.engine - r.waitMs, 0.5),
    readyP95Ms: at((r) => r.stages.engine - r.waitMs, 0.95),
    motionWaitMedianMs: at((r) => r.waitMs, 0.5),
    motionWaitP95Ms: at((r) => r.waitMs, 0.95),
    totalWithoutWaitMedianMs: at((r) => r.stages.totalMs - r.waitMs, 0.5),
    totalWithoutWaitP95Ms: at((r) => r.stages.totalMs - r.waitMs, 0.95),
    // The shopper's taps on the confirm and PIN screens (instant here, seconds for a person), and what is
    // left once they and the motion wait are taken out: without a challenge, the kiosk's and the hub's time
    // alone; with one, that and the shopper's reactions and moves.
    tapsMedianMs: at((r) => r.stages.taps, 0.5),
    tapsP95Ms: at((r) => r.stages.taps, 0.95),
    totalWithoutWaitOrTapsMedianMs: at((r) => r.stages.totalMs - r.waitMs - r.stages.taps, 0.5),
    totalWithoutWaitOrTapsP95Ms: at((r) => r.stages.totalMs - r.waitMs - r.stages.taps, 0.95),
  };
}

/** One run's parts for its progress line. */
function waitsLine(waits: RunWaits | null): string {
  if (waits === null) return '';
  return (
    `; person ${waits.personWaitMs} + challenge ${waits.challengeWaitMs} + taps ${waits.tapsMs}` +
    ` + kiosk and hub ${waits.kioskAndHubMs} = ${waits.totalMs} ms`
  );
}

/** The hub's part alone: a hold placed and settled by admin (no face, no PIN), timed from Node, 10 times. */
async function hubBaseline(url: string, token: string): Promise<number> {
  const admin = new HubClient({ baseUrl: url, token });
  const times: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    const started = performance.now();
    await admin.placeHold(
      {
        payer: 'bench-shopper',
        payee: 'bench-shop',
        amount: 1,
        currency: 'JPY',
        reference: `baseline-${i}`,
        expiresInSeconds: 60,
        template: { name: 'purchase' },
      },
      `baseline-${i}`,
    );
    times.push(performance.now() - started);
  }
  return percentile(times, 0.5);
}

function report(results: RunResult[], hubBaselineMs: number): void {
  const paid = results.flatMap((r) => (r.stages === null ? [] : [r.stages]));
  const median = (pick: (s: StageTimes) => number) =>
    paid.length === 0 ? null : Math.round(percentile(paid.map(pick), 0.5));
  const summary = {
    video,
    runs: results.length,
    settledRuns: paid.length,
    medianMs: median((s) => s.totalMs),
    p95Ms:
      paid.length === 0
        ? null
        : Math.round(
            percentile(
              paid.map((s) => s.totalMs),
              0.95,
            ),
          ),
    stages: {
      camera: median((s) => s.camera),
      engine: median((s) => s.engine),
      hub: median((s) => s.hub),
      ui: median((s) => s.ui),
    },
    baseline: { hubPlaceHoldMedianMs: Math.round(hubBaselineMs * 10) / 10 },
    failures: results
      .filter((r) => r.stages === null)
      .map(
        (r) =>
          `${r.outcome}:${r.errorCode ?? ''}${r.refusedFor === null ? '' : ` (${r.refusedFor})`}`,
      ),
    // Issue 7's goals differ by path: at most 1.0 s median (2.0 s at most) when the session decides
    // without asking a challenge, at most 4 s when the shopper had to answer one.
    byPath: Object.fromEntries(
      (['noChallenge', 'challenge'] as const).map((name) => {
        const totals = results.flatMap((r) =>
          r.stages !== null && r.decidedOn.includes('challenge_passed') === (name === 'challenge')
            ? [r.stages.totalMs]
            : [],
        );
        return [
          name,
          {
            settledRuns: totals.length,
            medianMs: totals.length === 0 ? null : Math.round(percentile(totals, 0.5)),
            maxMs: totals.length === 0 ? null : Math.round(Math.max(...totals)),
          },
        ];
      }),
    ) as Record<'noChallenge' | 'challenge', PathSummary>,
    // The engine stage split: the kiosk's own part (everything else gathered, a described frame facing
    // the camera) and the shopper's (waiting for a blink or 3-D motion alone, which a prompt can shorten
    // for a person and nothing can for a recording that does not blink); then the shopper's taps.
    engineSplit: engineSplit(results),
    // The total by who it waited on, per settled run and as median/p95 (run-waits.ts): the person (a blink
    // or 3-D motion alone), the challenge asked and needed but not answered (a passive median settled
    // short of live asks it; a recording cannot answer, so the session waits for the median to come back
    // live), the scripted taps, and the kiosk's and the hub's time that remains.
    waits: {
      ...summariseWaits(results.map((r) => r.waits)),
      perRun: results.map((r) => ({
        run: r.run,
        outcome: r.outcome,
        ...r.waits,
        movesPrompted: r.movesPrompted,
      })),
    },
    framesDroppedPerRun: Math.round(
      percentile(
        results.map((r) => r.framesDropped),
        0.5,
      ),
    ),
  };
  say('\nbench:e2e  face first seen -> hold settled (headless Chromium, web shell, real hub)');
  say(`video ${path.basename(video)}; ${summary.settledRuns}/${summary.runs} runs settled`);
  say('| measure | median ms | p95 ms |');
  say('|---|---|---|');
  say(`| total | ${summary.medianMs ?? '-'} | ${summary.p95Ms ?? '-'} |`);
  for (const [stage, value] of Object.entries(summary.stages))
    say(`| ${stage} | ${value ?? '-'} | |`);
  say(
    `| hub baseline (admin place+settle from Node) | ${summary.baseline.hubPlaceHoldMedianMs} | |`,
  );
  const split = summary.engineSplit;
  say(
    `| engine, all but motion gathered (kiosk) | ${split.readyMedianMs ?? '-'} | ${split.readyP95Ms ?? '-'} |`,
  );
  say(
    `| engine, waiting for a blink or 3-D motion alone (shopper) | ${split.motionWaitMedianMs ?? '-'} | ${split.motionWaitP95Ms ?? '-'} |`,
  );
  say(
    `| total without the motion wait | ${split.totalWithoutWaitMedianMs ?? '-'} | ${split.totalWithoutWaitP95Ms ?? '-'} |`,
  );
  say(
    `| ui, the scripted shopper's taps (screen asked -> OK, PIN) | ${split.tapsMedianMs ?? '-'} | ${split.tapsP95Ms ?? '-'} |`,
  );
  say(
    `| total less the motion wait and the taps (any passive-uncertain wait still in it) | ${split.totalWithoutWaitOrTapsMedianMs ?? '-'} | ${split.totalWithoutWaitOrTapsP95Ms ?? '-'} |`,
  );
  const waits = summary.waits;
  say(
    `\nwho the total waited on, from the session's report (${waits.settledRuns} settled runs; each run's parts add up to its total)`,
  );
  say('| part | median ms | p95 ms |');
  say('|---|---|---|');
  for (const part of waitParts)
    say(`| ${waitLabels[part]} | ${waits[part].medianMs ?? '-'} | ${waits[part].p95Ms ?? '-'} |`);
  for (const r of results) {
    const capped = runWaitsWarning(r.run, r.waits);
    if (capped !== null) say(capped);
  }
  const { noChallenge, challenge } = summary.byPath;
  say(
    `without a challenge: ${noChallenge.settledRuns} runs, median ${noChallenge.medianMs ?? '-'} ms, ` +
      `at most ${noChallenge.maxMs ?? '-'} ms (goal: median <= 1000, at most 2000)`,
  );
  say(
    `with a challenge:    ${challenge.settledRuns} runs, median ${challenge.medianMs ?? '-'} ms, ` +
      `at most ${challenge.maxMs ?? '-'} ms (goal: at most 4000)`,
  );
  const phased = results.flatMap((r) => (r.phases === null ? [] : [r.phases]));
  if (phased.length > 0) {
    const mid = (pick: (p: ChallengePhases) => number) =>
      Math.round(percentile(phased.map(pick), 0.5));
    say(
      `challenge path, median of ${phased.length} runs: kiosk settles ${mid((p) => p.settle)} ms before the first prompt, ` +
        `first prompt -> second ${mid((p) => p.first)} ms (her reaction, move and way back), ` +
        `second prompt -> decided ${mid((p) => p.second)} ms (her reaction and move, then a frontal probe frame), ` +
        `decided -> paid ${mid((p) => p.after)} ms`,
    );
  }
  if (summary.stages.hub !== null) {
    say(
      `hub stage / baseline: ${(summary.stages.hub / hubBaselineMs).toFixed(1)}x (identify + verify-pin + hold vs one hold)`,
    );
  }
  // Where a frame's time goes in the face worker (every frame of every run): what bounds the frame rate.
  const frames = results.flatMap((r) => r.frameStages);
  const stageNames = [...new Set(frames.flatMap((f) => Object.keys(f)))];
  const perFrame = Object.fromEntries(
    stageNames.map((stage) => {
      const values = frames.flatMap((f) => (f[stage] === undefined ? [] : [f[stage] ?? 0]));
      return [
        stage,
        {
          medianMs: Math.round(percentile(values, 0.5) * 10) / 10,
          p95Ms: Math.round(percentile(values, 0.95) * 10) / 10,
        },
      ];
    }),
  );
  say(`\nper frame in the face worker (${frames.length} frames)`);
  say('| stage | median ms | p95 ms |');
  say('|---|---|---|');
  for (const [stage, value] of Object.entries(perFrame))
    say(`| ${stage} | ${value.medianMs} | ${value.p95Ms} |`);
  if (summary.failures.length > 0) say(`not settled: ${summary.failures.join(', ')}`);
  if (values.json !== undefined)
    void writeFile(values.json, `${JSON.stringify({ ...summary, perFrame }, null, 2)}\n`);
}
