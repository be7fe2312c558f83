// Replays one recording through the kiosk pipeline in Node: opens the frames, runs engine + liveness,
// and shapes the JSON other programs read ({frames, framesWithFace, liveness, decision, timings, session}).
import {
  faceSessionTimeLimitMsMax,
  replayFramesMax,
  replayReportFramesMax,
} from '../../shared/limits.ts';
import type { MaskDetector } from '../capture/mask-detector.ts';
import type { FaceSessionEngine } from '../face-session.ts';
import type { PassiveTextureDetector } from '../liveness/passive-texture.ts';
import { annotatedJpegBase64 } from './annotate.node.ts';
import type { FrameSource } from './frame-source.node.ts';
import { openFrameSource } from './frame-source.node.ts';
import type { ReplayRun } from './pipeline.ts';
import { percentile, runReplay } from './pipeline.ts';
import type { ReportFrame } from './report.ts';
import { renderReport } from './report.ts';
import type { ReplaySessionSummary } from './session-feed.ts';
import { ReplaySessionFeed, refusedFramesText } from './session-feed.ts';

/** The kiosk worker's session time limit: the replayed session gets as long as a shopper. */
export const replaySessionTimeLimitMs = faceSessionTimeLimitMsMax / 2;

export interface ReplayJson {
  readonly frames: number;
  readonly framesWithFace: number;
  readonly liveness: {
    readonly passed: boolean;
    readonly reasons: readonly string[];
    readonly [extra: string]: unknown;
  };
  readonly decision: ReplayRun['decision'];
  readonly timings: { readonly perFrameMsMedian: number; readonly perFrameMsP95: number };
  /** The kiosk's streaming session (natural policy) on the recording's first run of frames: when it
   * would have decided. null without a passive model (the session cannot run: it fails closed). */
  readonly session: ReplaySessionSummary | null;
}

export interface ReplayRecordingOptions {
  /** The kiosk's tracking loop (or the per-frame engine); reset between passes when it can be. */
  readonly engine: FaceSessionEngine;
  readonly passive: PassiveTextureDetector | null;
  /** The face session's mask detector; null (like passive) runs no session. */
  readonly mask: MaskDetector | null;
  /** Frame rate of a folder of images (a video has its own). */
  readonly folderFps: number;
  /** How many annotated frames to keep for a report (0: none). */
  readonly reportFrames: number;
  /** The face session's time limit (default replaySessionTimeLimitMs). */
  readonly sessionTimeLimitMs?: number;
}

export interface ReplayRecording {
  readonly source: FrameSource;
  readonly run: ReplayRun;
  readonly session: ReplaySessionSummary | null;
  readonly json: ReplayJson;
}

/** Evenly spread ordinals among `total` frames. */
export function evenOrdinals(total: number, count: number): Set<number> {
  const out = new Set<number>();
  const n = Math.min(count, total);
  for (let k = 0; k < n; k++) out.add(Math.floor(((k + 0.5) * total) / n));
  return out;
}

export async function replayRecording(
  input: string,
  options: ReplayRecordingOptions,
): Promise<ReplayRecording> {
  const source = await openFrameSource(input, { folderFps: options.folderFps });
  const keep = evenOrdinals(
    source.plan.total,
    Math.min(options.reportFrames, replayReportFramesMax),
  );
  const timeLimitMs = options.sessionTimeLimitMs ?? replaySessionTimeLimitMs;
  const { passive, mask } = options;
  // A recording read whole: the session reads the results runReplay computes, one engine pass for both.
  const feed =
    passive === null || mask === null || source.plan.sampled
      ? null
      : new ReplaySessionFeed(options.engine, passive, {
          policy: 'natural',
          mask,
          timeLimitMs,
          frames: 'first run',
        });
  const run = await runReplay(
    feed?.frames(source.frames(), { untilFinished: false }) ?? source.frames(),
    {
      engine: feed?.engine ?? options.engine,
      passive: feed?.passive ?? passive,
      keep,
    },
  );
  let session = feed?.summary() ?? null;
  if (passive !== null && mask !== null && source.plan.sampled)
    session = await sessionOnOpening(source, { ...options, passive, mask }, timeLimitMs);
  return { source, run, session, json: replayJson(source, run, session) };
}

/** A long recording is sampled in runs that start anywhere: the session reads its opening instead, as a
 * camera would show it, in a pass of its own that stops when the session finishes. */
async function sessionOnOpening(
  source: FrameSource,
  options: ReplayRecordingOptions & { passive: PassiveTextureDetector; mask: MaskDetector },
  timeLimitMs: number,
): Promise<ReplaySessionSummary> {
  const feed = new ReplaySessionFeed(options.engine, options.passive, {
    policy: 'natural',
    mask: options.mask,
    timeLimitMs,
    frames: 'opening',
  });
  const count = Math.min(
    replayFramesMax,
    Math.ceil((timeLimitMs / 1000) * source.framesPerSecond) + 1,
  );
  // The tracker follows one stretch of frames at a time: it forgets the sampled runs first.
  options.engine.reset?.();
  try {
    await runReplay(feed.frames(source.opening(count), { untilFinished: true }), {
      engine: feed.engine,
      passive: feed.passive,
    });
  } finally {
    options.engine.reset?.();
  }
  return feed.summary();
}

export function replayJson(
  source: FrameSource,
  run: ReplayRun,
  session: ReplaySessionSummary | null,
): ReplayJson {
  const ms = run.records.map((r) => r.pipelineMs);
  const scores = run.liveness.scores;
  return {
    frames: run.records.length,
    framesWithFace: run.records.filter((r) => r.box !== null).length,
    liveness: {
      passed: run.liveness.live,
      reasons: run.liveness.reasons,
      mode: 'recording: passive texture + natural motion (a recording cannot answer a challenge)',
      evidence: run.liveness.evidence,
      passive: {
        modelId: run.passiveModelId,
        median: scores.passiveMedian,
        threshold: scores.passiveThreshold,
        framesScored: scores.passiveFrames,
        liveFraction: scores.passiveLiveFraction,
        /** live, uncertain (a kiosk would ask for the challenge) or attack (refused regardless). */
        band: scores.passiveBand,
      },
      blinks: scores.blinks,
      blinkTimesMs: run.motion.blinks.map((b) => Math.round(b.startMs)),
      parallax: scores.parallax,
      yawSpread: scores.yawSpread,
      faceChanges: run.motion.faceChanges,
      backend: run.backend,
      faceModelId: run.modelId,
      source: {
        kind: source.kind,
        sourceFrames: source.sourceFrames,
        framesPerSecond: source.framesPerSecond,
        sampled: source.plan.sampled,
        runs: source.plan.segments.length,
        width: source.width,
        height: source.height,
      },
    },
    decision: run.decision,
    timings: {
      perFrameMsMedian: ms.length === 0 ? 0 : percentile(ms, 0.5),
      perFrameMsP95: ms.length === 0 ? 0 : percentile(ms, 0.95),
    },
    session,
  };
}

/** One line on the kiosk session's outcome, for tables and the report. */
export function describeSession(session: ReplaySessionSummary | null): string {
  if (session === null) return 'not run (no passive model)';
  const when =
    session.sinceFirstFaceMs === null
      ? ''
      : ` ${session.sinceFirstFaceMs.toFixed(0)} ms after the first face` +
        (session.motionWaitMs === null || session.motionWaitMs === 0
          ? ''
          : `, ${session.motionWaitMs.toFixed(0)} ms of it waiting for a blink or 3-D motion alone`);
  const where = session.frameIndex === null ? '' : ` at frame #${session.frameIndex}`;
  const why = session.outcome === 'decided' ? session.evidence : session.reasons;
  const restarted =
    session.restarts === 0
      ? ''
      : `, evidence gathered again ${session.restarts}x (${session.restartReasons.join(', ')})`;
  const read = `${session.framesUsed} frames of the recording's ${session.frames}${restarted}`;
  // Not decided: how many frames the session could not use, and why (a gate refusing every frame).
  const refused = session.outcome === 'decided' ? '' : refusedFramesText(session);
  return `${session.outcome}${where}${when} (${read}; ${why.join(', ')}${refused === '' ? '' : `; ${refused}`})`;
}

export async function replayReportHtml(recording: ReplayRecording, title: string): Promise<string> {
  const { run, json } = recording;
  const frames: ReportFrame[] = [];
  for (const [ordinal, image] of run.kept) {
    const r = run.records[ordinal];
    if (r === undefined) continue;
    const passive = r.passiveScore === null ? 'n/a' : r.passiveScore.toFixed(2);
    const caption = `#${r.index} at ${(r.timestampMs / 1000).toFixed(2)} s: ${r.quality}, passive ${passive}, EAR ${r.ear?.toFixed(3) ?? 'n/a'}, yaw ${r.yaw?.toFixed(2) ?? 'n/a'}`;
    frames.push({ ordinal, caption, jpegBase64: await annotatedJpegBase64(image, r) });
  }
  const blinkOrdinals = run.motion.blinks.flatMap((b) => {
    const i = run.records.findIndex((r) => r.timestampMs >= b.startMs);
    return i < 0 ? [] : [i];
  });
  return renderReport({
    title,
    summary: {
      liveness: json.liveness.passed ? 'live' : `not live: ${json.liveness.reasons.join(', ')}`,
      decision: json.decision.outcome,
      frames: `${json.frames} processed (${json.framesWithFace} with a face)`,
      evidence: run.liveness.evidence.join(', ') || 'none',
      blinks: run.motion.blinks.length,
      parallax: run.motion.parallax,
      'per-frame ms (median / p95)': `${json.timings.perFrameMsMedian.toFixed(1)} / ${json.timings.perFrameMsP95.toFixed(1)}`,
      'kiosk session (natural policy, as it streams)': describeSession(recording.session),
      'session ms per frame on top of engine and passive (median / p95)':
        recording.session === null
          ? 'n/a'
          : `${recording.session.overheadMsMedian.toFixed(2)} / ${recording.session.overheadMsP95.toFixed(2)}`,
      backend: run.backend,
      source: json.liveness['source'],
    },
    records: run.records,
    passiveThreshold: run.liveness.scores.passiveThreshold,
    blinkOrdinals,
    frames: [...frames].sort((a, b) => a.ordinal - b.ordinal),
  });
}
