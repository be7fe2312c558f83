// `npm run bench:e2e -- [--video FILE] [--runs N] [--json FILE]`: the shop flow N times in Chromium with
// the video as the camera, the person enrolled from its first seconds. Measures face first seen -> hold
// settled, split into camera (grabbing frames), engine (worker: detection to liveness decision), hub
// (identify, verify-pin + hold round trips) and ui (screens and taps). Baseline in the same run: the
// hub's own time for the same three calls made directly from Node, without the kiosk.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startHub } from '../src/hub/hub.ts';
import { percentile } from '../src/biometrics/replay/pipeline.ts';
import { repoRoot, startWebShell } from '../src/main/web-shell.ts';
import { HubClient } from '../src/shared/hub-client.ts';
import { buildRenderer } from './kiosk/build-renderer.ts';
import {
  cameraClip,
  EmptyCameraClipError,
  MissingToolError,
  sampleCameraWindow,
  sampleEnrolSeconds,
} from './kiosk/camera-clip.ts';
import { setUpShopWithShopperFromVideo } from './kiosk/deployment.ts';
import type { StageTimes } from './kiosk/kiosk-browser.ts';
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

const sampleVideo = path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4');
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
  },
});
const runs = Number(values.runs);
const enrolSeconds = Number(values['enrol-seconds']);
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
}

const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-bench-e2e-'));
const adminToken = `bench-${randomBytes(12).toString('hex')}`;
const hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
try {
  const { shop, enrolled } = await setUpShopWithShopperFromVideo({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    shop: { id: 'bench-shop', name: 'Bench Shop' },
    shopper: { id: 'bench-shopper', name: 'Bench Shopper', deposit: 1_000_000 },
    video: values.video,
    enrolSeconds,
    dateOfBirth: '1985-05-05',
    pin: '4862',
  });
  const clip = await cameraClip({
    video: values.video,
    output: path.join(work, 'camera.y4m'),
    // The sample video's window with blinks (camera-clip.ts); another video from after its enrolment part.
    startS: Number(
      values['camera-from'] ??
        (values.video === sampleVideo ? sampleCameraWindow.startS : enrolSeconds),
    ),
    durationS: Number(values['camera-seconds']),
  });
  const rendererDir = await buildRenderer(path.join(work, 'renderer'));
  const shell = await startWebShell({ config: shop.config, port: 0, rendererDir });
  const browser = await launchKioskBrowser(clip);
  const results: RunResult[] = [];
  try {
    const page = await openKiosk(browser, shell.url);
    for (let run = 1; run <= runs; run += 1) {
      await clearMarks(page);
      const requested = await requestPayment(shell.url, shop.tillToken, {
        amount: 100 + run,
        reference: `bench-${run}`,
      });
      const followed = await followPayment(page, { pin: enrolled.pin, timeoutMs: 40_000 });
      const timeline = await marks(page);
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
        `run ${run}: ${followed.outcome} ${followed.errorCode ?? ''} ${JSON.stringify(results.at(-1)?.stages ?? {})}` +
          ` ${results.at(-1)?.decidedOn.join('+') ?? ''}` +
          ` motion wait ${results.at(-1)?.motionWaitMs ?? '-'} ms`,
      );
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
  if (!(error instanceof EmptyCameraClipError || error instanceof MissingToolError)) throw error;
  process.stderr.write(`bench:e2e: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await hub.close();
  await rm(work, { recursive: true, force: true });
}

interface PathSummary {
  settledRuns: number;
  medianMs: number | null;
  maxMs: number | null;
}

/** Median and p95 of the engine stage's two parts, and of the total less the motion wait, over settled runs. */
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
  };
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
    video: values.video,
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
    // for a person and nothing can for a recording that does not blink).
    engineSplit: engineSplit(results),
    framesDroppedPerRun: Math.round(
      percentile(
        results.map((r) => r.framesDropped),
        0.5,
      ),
    ),
  };
  say('\nbench:e2e  face first seen -> hold settled (headless Chromium, web shell, real hub)');
  say(`video ${path.basename(values.video)}; ${summary.settledRuns}/${summary.runs} runs settled`);
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
  const { noChallenge, challenge } = summary.byPath;
  say(
    `without a challenge: ${noChallenge.settledRuns} runs, median ${noChallenge.medianMs ?? '-'} ms, ` +
      `at most ${noChallenge.maxMs ?? '-'} ms (goal: median <= 1000, at most 2000)`,
  );
  say(
    `with a challenge:    ${challenge.settledRuns} runs, median ${challenge.medianMs ?? '-'} ms, ` +
      `at most ${challenge.maxMs ?? '-'} ms (goal: at most 4000)`,
  );
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
