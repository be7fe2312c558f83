// Replays one recording through the kiosk pipeline in Node: opens the frames, runs engine + liveness,
// and shapes the JSON other programs read ({frames, framesWithFace, liveness, decision, timings}).
import { replayReportFramesMax } from '../../shared/limits.ts';
import type { PassiveTextureDetector } from '../liveness/passive-texture.ts';
import { annotatedJpegBase64 } from './annotate.node.ts';
import type { FrameSource } from './frame-source.node.ts';
import { openFrameSource } from './frame-source.node.ts';
import type { FrameEngine, ReplayRun } from './pipeline.ts';
import { percentile, runReplay } from './pipeline.ts';
import type { ReportFrame } from './report.ts';
import { renderReport } from './report.ts';

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
}

export interface ReplayRecordingOptions {
  readonly engine: FrameEngine;
  readonly passive: PassiveTextureDetector | null;
  /** Frame rate of a folder of images (a video has its own). */
  readonly folderFps: number;
  /** How many annotated frames to keep for a report (0: none). */
  readonly reportFrames: number;
}

export interface ReplayRecording {
  readonly source: FrameSource;
  readonly run: ReplayRun;
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
  const run = await runReplay(source.frames(), {
    engine: options.engine,
    passive: options.passive,
    keep,
  });
  return { source, run, json: replayJson(source, run) };
}

export function replayJson(source: FrameSource, run: ReplayRun): ReplayJson {
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
  };
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
      backend: run.backend,
      source: json.liveness['source'],
    },
    records: run.records,
    passiveThreshold: run.liveness.scores.passiveThreshold,
    blinkOrdinals,
    frames: [...frames].sort((a, b) => a.ordinal - b.ordinal),
  });
}
