// `npm run replay`: the kiosk's pipeline on a recording as if it were the camera; liveness is passive
// texture plus the clip's natural motion and blinks. Writes the JSON other programs read, optional HTML.
//
// Usage: npx tsx scripts/replay.ts <video file | folder of frames> --json <file> [--report <html>]
//          [--fps 25 (folder frame rate)] [--session-time-limit-ms 15000] [--models models]
// A video is any file ffmpeg decodes (a browser's MediaRecorder webm with no duration, a phone clip with
// a rotation tag): each frame is read at its own time, turned as the phone showed it.
// Besides the whole-clip figures, the JSON's `session` says when the kiosk's streaming face session
// (src/biometrics/face-session.ts, natural policy) would have decided on the recording's first run.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import { ReplayInputError } from '../src/biometrics/replay/frame-source.node.ts';
import {
  describeSession,
  replayRecording,
  replayReportHtml,
  replaySessionTimeLimitMs,
} from '../src/biometrics/replay/replay.node.ts';
import type { ReplayJson } from '../src/biometrics/replay/replay.node.ts';
import {
  faceSessionTimeLimitMsMax,
  replayFramesPerSecondMax,
  replayReportFramesMax,
} from '../src/shared/limits.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

function printTable(input: string, json: ReplayJson): void {
  const rows: [string, string][] = [
    ['input', input],
    ['frames (with face)', `${json.frames} (${json.framesWithFace})`],
    ['liveness', json.liveness.passed ? 'live' : `not live: ${json.liveness.reasons.join(', ')}`],
    ['passive (median, band)', passiveText(json)],
    ['blinks (face mesh + iris)', blinkText(json)],
    ['decision', json.decision.outcome],
    ['kiosk session', describeSession(json.session)],
    [
      'per-frame ms median / p95',
      `${json.timings.perFrameMsMedian.toFixed(1)} / ${json.timings.perFrameMsP95.toFixed(1)}`,
    ],
    ['backend', String(json.liveness['backend'])],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(28)} ${v}`);
}

/** The whole recording's blinks, counted on the lids the kiosk reads (liveness/mesh-eye-reader.ts). */
function blinkText(json: ReplayJson): string {
  const times = json.liveness['blinkTimesMs'] as readonly number[] | undefined;
  if (times === undefined || times.length === 0) return 'none';
  return `${times.length} at ${times.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')}`;
}

const bandMeaning: Readonly<Record<string, string>> = {
  live: 'live',
  uncertain: 'uncertain: a kiosk asks for the challenge',
  attack: 'a confident attack: refused',
};

function passiveText(json: ReplayJson): string {
  // The JSON's liveness block is open-ended for readers; these fields are written by replay.node.ts.
  const passive = json.liveness['passive'] as {
    median: number | null;
    threshold: number | null;
    band: string | null;
  } | null;
  if (passive === null || passive.median === null || passive.band === null)
    return 'no passive median';
  const meaning = bandMeaning[passive.band] ?? passive.band;
  return `${passive.median.toFixed(3)} (${meaning}; live from ${passive.threshold?.toFixed(3) ?? '?'})`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'string' },
      report: { type: 'string' },
      fps: { type: 'string', default: '25' },
      'session-time-limit-ms': { type: 'string', default: String(replaySessionTimeLimitMs) },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
    },
  });
  const input = positionals[0];
  const fps = Number(values.fps);
  const sessionTimeLimitMs = Number(values['session-time-limit-ms']);
  if (input === undefined || positionals.length !== 1 || values.json === undefined) {
    console.error(
      'usage: replay <video file | folder of frames> --json <file> [--report <html>] [--fps N] [--session-time-limit-ms N]',
    );
    return 2;
  }
  if (!(fps > 0 && fps <= replayFramesPerSecondMax)) {
    console.error(`--fps must be in (0, ${replayFramesPerSecondMax}]`);
    return 2;
  }
  if (!(sessionTimeLimitMs > 0 && sessionTimeLimitMs <= faceSessionTimeLimitMsMax)) {
    console.error(`--session-time-limit-ms must be in (0, ${faceSessionTimeLimitMsMax}]`);
    return 2;
  }
  // Both models load before any frame: a missing or altered file stops here, it never scores.
  // The kiosk's tracking loop: the detector runs when the face is lost and every 24 frames.
  const engine = await createFaceTracker({ modelsDir: values.models });
  const passive = await loadPassiveTextureDetector({ modelsDir: values.models });
  const mask = await loadMaskDetector({ modelsDir: values.models });
  try {
    const recording = await replayRecording(input, {
      engine,
      passive,
      mask,
      folderFps: fps,
      sessionTimeLimitMs,
      reportFrames: values.report === undefined ? 0 : replayReportFramesMax,
    });
    await writeFile(values.json, `${JSON.stringify(recording.json, null, 2)}\n`);
    if (values.report !== undefined)
      await writeFile(
        values.report,
        await replayReportHtml(recording, `Replay of ${path.basename(input)}`),
      );
    printTable(input, recording.json);
    return 0;
  } catch (error) {
    if (error instanceof ReplayInputError) {
      console.error(`replay: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    engine.dispose();
  }
}

process.exitCode = await main();
