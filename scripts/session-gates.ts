// `npx tsx scripts/session-gates.ts`: which gate the kiosk's face session waits on last. Each clip streams
// through the session (natural policy) as `npm run replay` feeds it; per gate, the frame it first held and the
// frame from which it held until the decision; the gate that came last is what the decision waited for.
//
// Usage: npx tsx scripts/session-gates.ts [clip[@from-seconds] ...] [--seconds 15]
//          [--passive-frames-min N] [--descriptor-frames-min N] [--json <file>] [--models models]
// Without clips: talking-face.mp4 from bench:e2e's camera start (45 s, and 4 later starts 2 s apart), every
// clip of ../shared/data/video/webcam and video/live. A clip@S is read from S s (ffmpeg, lossless, to a
// temporary file removed at the end). Frame counts are the recording's own, whatever the machine's load.
// Columns: the outcome at its frame (ms after the first face), the frames the session counted as waiting
// for a blink or 3-D motion alone (m) and for the challenge (c) (the rest is bench:e2e's kiosk share);
// per gate first/from; the last gate; why frames were no probe frame before the descriptors gate held and
// after every other gate held (undescribed: describeEveryFrames; turned: outside the probe pose).
// Measured 2026-12-07 (defaults): no clip's last gate is a frame count. passiveFramesMin (5) and the fusion's
// descriptorFramesMin (3) hold by frame 5 on every clip; the decision waits on the person's blink or 3-D
// motion (then one undescribed frame after a blink, or the head's way back into the probe pose after a
// turn: live-01 38 frames, live-02 46, live-05 26), on the passive median's uncertain band (talking-face
// @47 s, @51 s), or on the fused descriptors agreeing again after a turn (live-04). Lowered, the decision
// frames are the same on every clip (--passive-frames-min 3) or one frame earlier on live-04 alone
// (--descriptor-frames-min 2); the kiosk's share (frames - m - c) is 6 frames on 4 of 5 talking-face starts.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import type { FaceSessionGates, FaceSessionTuning } from '../src/biometrics/face-session.ts';
import { defaultFaceSessionTuning, FaceSession } from '../src/biometrics/face-session.ts';
import type { FaceTracker } from '../src/biometrics/face-tracker.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.ts';
import { openFrameSource } from '../src/biometrics/replay/frame-source.node.ts';
import { replaySessionTimeLimitMs } from '../src/biometrics/replay/replay.node.ts';
import { isVideoFile } from '../src/biometrics/replay/video-files.ts';
import { seededRandom } from '../src/shared/seeded-random.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const video = path.join(repoRoot, '..', 'shared', 'data', 'video');
/** bench:e2e's camera window on talking-face.mp4 starts here (scripts/kiosk/camera-clip.ts). */
const benchCameraFromS = 45;

const motionReasons: ReadonlySet<string> = new Set(['no_blink', 'no_3d_motion']);

/** The gates, in the order the table prints them. */
const gateNames = [
  'face',
  'passive>=min',
  'passive live',
  'motion',
  'descriptors',
  'probe frame',
  'challenge',
] as const;
type GateName = (typeof gateNames)[number];

function held(gates: FaceSessionGates, tuning: FaceSessionTuning): Record<GateName, boolean> {
  return {
    face: gates.face,
    'passive>=min': gates.passiveFrames >= tuning.natural.passiveFramesMin,
    'passive live': gates.passiveBand === 'live',
    motion: gates.naturalMotion,
    descriptors: gates.agreeingFrames >= tuning.descriptorFramesMin,
    'probe frame': gates.probeFrame,
    challenge: !gates.challengeNeeded || gates.challengeStatus === 'passed',
  };
}

interface ClipGates {
  readonly clip: string;
  readonly outcome: 'decided' | 'refused' | 'undecided';
  readonly reasons: readonly string[];
  /** Frames pushed until the outcome (1-based; the decision's frame), and ms after the first face. */
  readonly frames: number;
  readonly sinceFirstFaceMs: number | null;
  /** Per gate: the frame it first held, and the frame from which it held to the last frame read. */
  readonly first: Readonly<Record<GateName, number | null>>;
  readonly from: Readonly<Record<GateName, number | null>>;
  /** The gates whose `from` is the latest, probe frame after them when it came later still. */
  readonly last: readonly GateName[];
  /** Before the descriptors gate first held: frames per reason they were no probe frame. */
  readonly notProbeBeforeDescriptors: Readonly<Record<string, number>>;
  /** From the frame every other gate held on: frames per reason they were no probe frame. */
  readonly notProbeAfterRest: Readonly<Record<string, number>>;
  /** Frames the session counted as waiting for a blink or 3-D motion alone, and for the challenge; the
   * rest of `frames` is the kiosk's share (bench:e2e's split, in frames). */
  readonly motionWaitFrames: number;
  readonly challengeWaitFrames: number;
}

async function sessionGates(
  clip: string,
  file: string,
  tools: { engine: FaceTracker; passive: PassiveTextureDetector; mask: MaskDetector },
  tuning: FaceSessionTuning,
): Promise<ClipGates> {
  tools.engine.reset();
  const source = await openFrameSource(file, { folderFps: 25 });
  const session = new FaceSession(tools.engine, {
    policy: 'natural',
    passive: tools.passive,
    mask: tools.mask,
    random: seededRandom(1),
    timeLimitMs: replaySessionTimeLimitMs,
    tuning,
  });
  const count = Math.ceil((replaySessionTimeLimitMs / 1000) * source.framesPerSecond) + 1;
  const first = Object.fromEntries(gateNames.map((g) => [g, null])) as Record<
    GateName,
    number | null
  >;
  const from = { ...first };
  let frames = 0;
  let firstFaceMs: number | null = null;
  let end: { outcome: ClipGates['outcome']; reasons: readonly string[]; ms: number | null } = {
    outcome: 'undecided',
    reasons: ['recording_ended'],
    ms: null,
  };
  const notProbe = new Map<string, number>();
  /** Per frame (index frames - 1): why it was no probe frame, null when it was one. */
  const probeMissing: (string | null)[] = [];
  // As the session counts its waits (face-session.ts waitingOnlyForMotion, waitingOnChallenge), in frames.
  let motionWait = 0;
  let challengeWait = 0;
  for await (const frame of source.opening(count)) {
    const update = await session.push(frame.image, frame.timestampMs);
    frames += 1;
    const gates = session.gates;
    if (gates !== null) {
      // Read well, eyes open, no mask, yet no probe: not described (describeEveryFrames), or turned
      // past the probe pose.
      const why = gates.probeFrame
        ? null
        : gates.quality !== 'ok'
          ? gates.quality
          : gates.described
            ? 'turned'
            : 'undescribed';
      probeMissing[frames - 1] = why;
      const natural = gates.reasons.length > 0 && gates.reasons.every((r) => motionReasons.has(r));
      if (natural && gates.agreeingFrames > 0) motionWait += 1;
      const uncertain =
        gates.reasons.includes('active_missing') && gates.passiveBand === 'uncertain';
      if (gates.reasons.includes('active_incomplete') || uncertain) challengeWait += 1;
      if (first.descriptors === null && why !== null)
        notProbe.set(why, (notProbe.get(why) ?? 0) + 1);
      if (gates.face) firstFaceMs ??= frame.timestampMs;
      for (const [name, ok] of Object.entries(held(gates, tuning)) as [GateName, boolean][]) {
        if (ok) first[name] ??= frames;
        from[name] = ok ? (from[name] ?? frames) : null;
      }
    }
    if (update.kind === 'decided') {
      end = { outcome: 'decided', reasons: update.liveness.checks, ms: update.sinceFirstFaceMs };
      break;
    }
    if (update.kind === 'refused') {
      end = { outcome: 'refused', reasons: update.reasons, ms: update.sinceFirstFaceMs };
      break;
    }
  }
  if (end.outcome === 'undecided' && firstFaceMs !== null) end = { ...end, ms: null };
  // The probe frame holds on nearly every frame; it is last only when the rest held before it (a blink's
  // closed-eye frames, a turned head): it is named last when no other gate came as late.
  const others = gateNames.filter((g) => g !== 'probe frame');
  const latest = Math.max(...others.map((g) => from[g] ?? Infinity));
  const waited = others.filter((g) => (from[g] ?? Infinity) === latest);
  const probeLater = (from['probe frame'] ?? Infinity) > latest;
  const last = probeLater ? [...waited, 'probe frame' as const] : waited;
  const afterRest = new Map<string, number>();
  if (Number.isFinite(latest))
    for (const why of probeMissing.slice(latest - 1))
      if (why !== null) afterRest.set(why, (afterRest.get(why) ?? 0) + 1);
  return {
    clip,
    outcome: end.outcome,
    reasons: end.reasons,
    frames,
    sinceFirstFaceMs: end.ms,
    first,
    from,
    last,
    notProbeBeforeDescriptors: Object.fromEntries(notProbe),
    notProbeAfterRest: Object.fromEntries(afterRest),
    motionWaitFrames: motionWait,
    challengeWaitFrames: challengeWait,
  };
}

/** `seconds` s of `file` from `fromS`, decoded and written losslessly (FFV1) to `output`. */
async function cut(file: string, fromS: number, seconds: number, output: string): Promise<void> {
  const args = ['-nostdin', '-v', 'error', '-ss', String(fromS), '-i', file, '-t', String(seconds)];
  const child = spawn('ffmpeg', [...args, '-an', '-c:v', 'ffv1', '-y', output], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg could not cut ${file} from ${fromS} s (exit ${code})`);
}

async function clipsIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => isVideoFile(name)).sort();
  return names.map((name) => path.join(dir, name));
}

function counts(byReason: Readonly<Record<string, number>>): string {
  const text = Object.entries(byReason).map(([why, n]) => `${n} ${why}`);
  return text.length === 0 ? 'none' : text.join(', ');
}

function cell(first: number | null, from: number | null): string {
  return `${first ?? '-'}/${from ?? '-'}`.padStart(13);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: 'string', default: '15' },
      'passive-frames-min': { type: 'string' },
      'descriptor-frames-min': { type: 'string' },
      json: { type: 'string' },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
    },
  });
  const seconds = Number(values.seconds);
  const base = defaultFaceSessionTuning;
  const passiveMin = Number(values['passive-frames-min'] ?? base.natural.passiveFramesMin);
  const descriptorMin = Number(values['descriptor-frames-min'] ?? base.descriptorFramesMin);
  if (
    !(seconds > 0) ||
    !Number.isInteger(passiveMin) ||
    passiveMin < 1 ||
    !Number.isInteger(descriptorMin) ||
    descriptorMin < 1
  ) {
    console.error(
      'usage: session-gates [clip[@from-seconds] ...] [--seconds S] [--passive-frames-min N] [--descriptor-frames-min N] [--json file]',
    );
    return 2;
  }
  const tuning: FaceSessionTuning = {
    ...base,
    descriptorFramesMin: descriptorMin,
    natural: { ...base.natural, passiveFramesMin: passiveMin },
  };
  const talking = path.join(video, 'talking-face.mp4');
  const clips =
    positionals.length > 0
      ? positionals
      : [
          ...[0, 2, 4, 6, 8].map((d) => `${talking}@${benchCameraFromS + d}`),
          ...(await clipsIn(path.join(video, 'webcam'))),
          ...(await clipsIn(path.join(video, 'live'))),
        ];
  const engine = await createFaceTracker({ modelsDir: values.models });
  const passive = await loadPassiveTextureDetector({ modelsDir: values.models });
  const mask = await loadMaskDetector({ modelsDir: values.models });
  const work = await mkdtemp(path.join(tmpdir(), 'session-gates-'));
  const rows: ClipGates[] = [];
  try {
    console.log(
      `natural policy; passiveFramesMin ${passiveMin}, descriptorFramesMin ${descriptorMin}; ` +
        'each gate: first frame held / frame held from until the end (1-based frames of the session)',
    );
    console.log(
      `${'clip'.padEnd(30)} ${'outcome@frame ms, m/c wait frames'.padEnd(34)}${gateNames.map((g) => g.padStart(13)).join('')}  last gate`,
    );
    for (const spec of clips) {
      const at = spec.lastIndexOf('@');
      const file = at > 0 ? spec.slice(0, at) : spec;
      const fromS = at > 0 ? Number(spec.slice(at + 1)) : null;
      let input = file;
      if (fromS !== null) {
        input = path.join(work, `${rows.length}.mkv`);
        await cut(file, fromS, seconds, input);
      }
      const label = `${path.basename(file)}${fromS === null ? '' : `@${fromS}s`}`;
      const row = await sessionGates(label, input, { engine, passive, mask }, tuning);
      rows.push(row);
      const ms = row.sinceFirstFaceMs === null ? '' : ` ${row.sinceFirstFaceMs.toFixed(0)}ms`;
      const outcome = `${row.outcome}@${row.frames}${ms} m${row.motionWaitFrames} c${row.challengeWaitFrames}`;
      console.log(
        `${label.padEnd(30)} ${outcome.padEnd(34)}${gateNames
          .map((g) => cell(row.first[g], row.from[g]))
          .join(
            '',
          )}  ${row.last.join(', ')}${row.outcome === 'decided' ? '' : ` (${row.reasons.join(', ')})`}` +
          `; no probe frame before descriptors: ${counts(row.notProbeBeforeDescriptors)}` +
          `, after the other gates: ${counts(row.notProbeAfterRest)}`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    engine.dispose();
  }
  if (values.json !== undefined)
    await writeFile(
      values.json,
      `${JSON.stringify({ passiveFramesMin: passiveMin, descriptorFramesMin: descriptorMin, rows }, null, 2)}\n`,
    );
  return 0;
}

process.exitCode = await main();
