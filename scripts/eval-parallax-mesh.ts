// `npm run eval:parallax-mesh`: is the 3-D head-motion cue (nose-tip parallax off the face plane's homography,
// liveness/active/parallax.ts) a better separator of live clips from photo attacks on human's 468-point
// facemesh than on face-api's 68 points? Each clip of eval:blink-mesh (same loaders) goes through the kiosk's
// tracker; on every tracked face the facemesh is read as the tracker reads it for the lids (mesh-eye-reader's
// crop around the 68 points). Each reading scores a clip as natural-motion.ts does: per run of consecutive
// frames, the reference is the frame of median yaw, the run's motion the 0.9 quantile of its frames' parallax;
// the clip's, the largest over runs of 8 or more face frames. A bound is chosen leave-one-group-out
// (blink-bound-cv.ts: of the bounds no training photo reaches, those most training live clips reach; the
// middle of them); each held-out clip is read at its fold's bound, and the in-sample bound printed beside.
//
// Usage: npx tsx scripts/eval-parallax-mesh.ts [--json FILE] [--only NAME,...] [--replays-as-attacks]
//          [--models models] [--no-cache]
// Per-frame points are cached in .facepay/cache/parallax-mesh (keyed like eval:blink-mesh's readings).
//
// Measured 2026-12-02 (wasm; 12 live clips, 14 photo attack clips, 5 replays; 20 groups): live / photo / replay
// clips with 3-D motion; held out (fold bounds), in-sample (bound); highest photo and the least-moving live
// clip above it:
//                                              held out               in-sample             photo max  live above
//   68-point (the kiosk's)                     6/12 0/14 3/5 (0.22-0.29)  6/12 0/14 3/5 (0.22)  0.129      0.326 (2.5x)
//   mesh, the 68 set's points, nose 1          6/12 0/14 3/5 (0.20-0.26)  6/12 0/14 3/5 (0.23)  0.197      0.261 (1.3x)
//   mesh, + lower brows, forehead, nose 1      5/12 1/14 2/5 (0.21-0.28)  6/12 0/14 2/5 (0.24)  0.216      0.270 (1.25x)
//   mesh, same plane, nose 4                   5/12 1/14 2/5 (0.22-0.28)  6/12 0/14 2/5 (0.25)  0.224      0.273 (1.2x)
// The mesh is no better: the same 6 live clips move (the other 6 barely turn: 0.02-0.10 on every reading), and
// the photo card-turns read more 3-D motion on the mesh (6 of 7 higher than on the 68 points; the silent-face
// print 0.129 -> 0.197-0.224), so the room between photos and moving heads shrinks from 2.5x to 1.2-1.3x and
// one fold of the wider planes lets a card-turn through. (At the recording decision's 0.12, 2 of 14 photo
// card-turns already read 3-D motion on the tracker's 68 points: 0.129 each.)
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { defaultFaceEngineOptions } from '../src/biometrics/engine.ts';
import { loadFaceParts } from '../src/biometrics/engine-load.node.ts';
import { defaultTrackerOptions, FaceTracker } from '../src/biometrics/face-tracker.ts';
import type { Point } from '../src/biometrics/geometry.ts';
import { distance, mean } from '../src/biometrics/geometry.ts';
import { quantile } from '../src/biometrics/liveness/active/blink.ts';
import type { BoundClip, HeldOutClip } from '../src/biometrics/liveness/active/blink-bound-cv.ts';
import { chooseBound, leaveOneGroupOut } from '../src/biometrics/liveness/active/blink-bound-cv.ts';
import { defaultNaturalMotionOptions } from '../src/biometrics/liveness/active/natural-motion.ts';
import {
  applyHomography,
  facePlaneIndices,
  fitHomography,
  noseTipIndex,
  planarParallax,
} from '../src/biometrics/liveness/active/parallax.ts';
import { yawOf } from '../src/biometrics/liveness/active/pose.ts';
import {
  meshConfidenceMin,
  meshCropScale,
  meshRegion,
} from '../src/biometrics/liveness/mesh-eye-reader.ts';
import { openFrameSource } from '../src/biometrics/replay/frame-source.node.ts';
import type { Clip, Kind } from './eval-blink-mesh.ts';
import { makePhotoClip, photoClips, videoClips } from './eval-blink-mesh.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const cacheDir = path.join(repoRoot, '.facepay', 'cache', 'parallax-mesh');

/** Candidate bounds (eye distances), lowest first; the kiosk's are 0.12 (whole clip) and 0.25 (session). */
const bounds = Array.from({ length: 100 }, (_, i) => Math.round((0.01 + i * 0.01) * 100) / 100);

interface FacePoints {
  readonly segment: number;
  readonly t: number;
  readonly landmarks: readonly Point[];
  /** The 468 mesh points; null when the mesh's face flag was under meshConfidenceMin (no lids either). */
  readonly mesh: readonly Point[] | null;
}

interface ClipPoints {
  readonly key: string;
  readonly frames: number;
  readonly faces: readonly FacePoints[];
}

/** MediaPipe canonical mesh indices (human 3.3.6 facemeshcoords.ts names in comments). */
const meshIndex = {
  /** rightEyebrowUpper and leftEyebrowUpper less their ends: where the 68 points' brows lie. */
  browsUpper: [70, 63, 105, 66, 107, 300, 293, 334, 296, 336],
  /** rightEyebrowLower, leftEyebrowLower. */
  browsLower: [35, 124, 46, 53, 52, 65, 265, 353, 276, 283, 282, 295],
  /** Outer and inner eye corners: right 33 / 133, left 263 / 362. */
  eyeCorners: [33, 133, 362, 263],
  /** Forehead above the brows, along and beside the midline (silhouette-free). */
  forehead: [10, 151, 9, 108, 337, 67, 297, 109, 338, 69, 299, 104, 333],
  /** Mouth corners (lipsLowerOuter's ends). */
  mouthCorners: [61, 291],
} as const;

/** The face plane widened by the lower brows and the forehead. */
const widePlane = [
  ...meshIndex.browsUpper,
  ...meshIndex.browsLower,
  ...meshIndex.eyeCorners,
  ...meshIndex.forehead,
  ...meshIndex.mouthCorners,
];

interface Reading {
  readonly name: string;
  readonly source: 'landmarks' | 'mesh';
  readonly plane: readonly number[];
  readonly nose: number;
  /** Outer and inner corners of each eye: the eye distance residuals are scaled by. */
  readonly eyes: readonly [number, number, number, number];
}

const readings: readonly Reading[] = [
  {
    name: '68-point (kiosk: brows, eye and mouth corners; nose 30)',
    source: 'landmarks',
    plane: facePlaneIndices,
    nose: noseTipIndex,
    eyes: [36, 39, 42, 45],
  },
  {
    name: 'mesh, the 68 set (upper brows, eye and mouth corners; nose 1)',
    source: 'mesh',
    plane: [...meshIndex.browsUpper, ...meshIndex.eyeCorners, ...meshIndex.mouthCorners],
    nose: 1,
    eyes: [33, 133, 362, 263],
  },
  {
    name: 'mesh, wide plane (+ lower brows, forehead; nose 1)',
    source: 'mesh',
    plane: widePlane,
    nose: 1,
    eyes: [33, 133, 362, 263],
  },
  {
    name: 'mesh, wide plane (nose 4)',
    source: 'mesh',
    plane: widePlane,
    nose: 4,
    eyes: [33, 133, 362, 263],
  },
];

const at = (points: readonly Point[], i: number): Point => {
  const p = points[i];
  if (p === undefined) throw new Error(`no point ${i}`);
  return p;
};

function eyeDistanceOf(points: readonly Point[], eyes: Reading['eyes']): number {
  const right = mean([at(points, eyes[0]), at(points, eyes[1])]);
  const left = mean([at(points, eyes[2]), at(points, eyes[3])]);
  return distance(right, left);
}

/** parallax.ts's magnitude on any point set: nose-tip distance off the plane's homography, in eye distances
 * (current-frame pixels scaled to the reference by the eye distance's change). */
function magnitude(
  reading: Reading,
  reference: readonly Point[],
  current: readonly Point[],
): number | null {
  const iod = eyeDistanceOf(reference, reading.eyes);
  if (iod <= 1e-6) return null;
  const from = reading.plane.map((i) => at(reference, i));
  const to = reading.plane.map((i) => at(current, i));
  const h = fitHomography(from, to);
  if (h === null) return null;
  const predicted = applyHomography(h, at(reference, reading.nose));
  const scale = eyeDistanceOf(current, reading.eyes) / iod;
  return distance(predicted, at(current, reading.nose)) / (iod * (scale > 1e-6 ? scale : 1));
}

const pointsOf = (reading: Reading, f: FacePoints): readonly Point[] | null =>
  reading.source === 'landmarks' ? f.landmarks : f.mesh;

/** natural-motion.ts's clip score for one reading: frames the reading has no points on are skipped. */
function clipMotion(reading: Reading, faces: readonly FacePoints[]): number | null {
  const { parallaxQuantile, runFramesMin } = defaultNaturalMotionOptions;
  let best: number | null = null;
  for (const segment of new Set(faces.map((f) => f.segment))) {
    const run = faces.filter((f) => f.segment === segment && pointsOf(reading, f) !== null);
    if (run.length < runFramesMin) continue;
    const yaws = run.map((f) => yawOf(f.landmarks));
    const median = quantile(yaws, 0.5);
    let ref = 0;
    for (let i = 1; i < yaws.length; i++)
      if (Math.abs((yaws[i] ?? 0) - median) < Math.abs((yaws[ref] ?? 0) - median)) ref = i;
    const reference = pointsOf(reading, run[ref] ?? run[0]!) ?? [];
    const values = run.flatMap((f) => {
      const m = magnitude(reading, reference, pointsOf(reading, f) ?? []);
      return m === null ? [] : [m];
    });
    if (values.length === 0) continue;
    const motion = quantile(values, parallaxQuantile);
    best = Math.max(best ?? 0, motion);
  }
  return best;
}

/** The 68-point reading must be the kiosk's own planarParallax, frame for frame. */
function assertSameAsKiosk(faces: readonly FacePoints[]): void {
  const reading = readings[0];
  const reference = faces[0]?.landmarks;
  if (reading === undefined || reference === undefined) return;
  for (const f of faces.slice(0, 20)) {
    const ours = magnitude(reading, reference, f.landmarks);
    const kiosk = planarParallax(reference, f.landmarks)?.magnitude ?? null;
    if (ours === null || kiosk === null ? ours !== kiosk : Math.abs(ours - kiosk) > 1e-9)
      throw new Error(`68-point parallax ${ours} differs from planarParallax ${kiosk}`);
  }
}

const rounded = (points: readonly Point[]): Point[] =>
  points.map((p) => ({ x: Math.round(p.x * 100) / 100, y: Math.round(p.y * 100) / 100 }));

async function readClip(
  clip: Clip,
  tracker: FaceTracker,
  mesh: { read: FaceMeshRead },
  useCache: boolean,
): Promise<ClipPoints> {
  const info = await stat(clip.file);
  const key = `v1|${clip.name}|${info.size}|${info.mtimeMs}|${clip.opening ?? 'plan'}|${tracker.modelId}|${tracker.eyesModelId}|${meshCropScale}`;
  const cached = path.join(cacheDir, `${clip.name.replaceAll('/', '_')}.json`);
  if (useCache) {
    const old = await readFile(cached, 'utf8').then(
      (text) => JSON.parse(text) as ClipPoints,
      () => null,
    );
    if (old?.key === key) return old;
  }
  tracker.reset();
  const source = await openFrameSource(clip.file, { folderFps: 25 });
  const frames = clip.opening === undefined ? source.frames() : source.opening(clip.opening);
  const faces: FacePoints[] = [];
  let count = 0;
  for await (const frame of frames) {
    count += 1;
    const result = await tracker.processFrame(frame.image, { describe: false });
    if (result.face === null) continue;
    const landmarks = result.face.landmarks;
    // The tracker read the mesh on this frame and kept only its lids: read it again the same way.
    const image = tf.tensor3d(
      frame.image.data,
      [frame.image.height, frame.image.width, 3],
      'int32',
    );
    const reading = await mesh.read(image, meshRegion(landmarks)).finally(() => image.dispose());
    faces.push({
      segment: frame.segment,
      t: frame.timestampMs,
      landmarks: rounded(landmarks),
      mesh: reading.confidence < meshConfidenceMin ? null : rounded(reading.mesh),
    });
  }
  const points: ClipPoints = { key, frames: count, faces };
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cached, JSON.stringify(points));
  return points;
}

type FaceMeshRead = (
  frame: tf.Tensor3D,
  region: ReturnType<typeof meshRegion>,
) => Promise<{ mesh: readonly Point[]; confidence: number }>;

interface Row {
  readonly clip: Clip;
  readonly frames: number;
  readonly faces: number;
  readonly meshFaces: number;
  /** Per reading, the clip's motion (null: no run long enough). */
  readonly motion: readonly (number | null)[];
}

function roleOf(kind: Kind, replaysAsAttacks: boolean): BoundClip['role'] {
  if (kind === 'live') return 'live';
  if (kind === 'photo' || replaysAsAttacks) return 'attack';
  return 'other';
}

function boundClips(rows: readonly Row[], r: number, replaysAsAttacks: boolean): BoundClip[] {
  return rows.map((row) => {
    const m = row.motion[r] ?? null;
    return {
      name: row.clip.name,
      group: row.clip.group,
      role: roleOf(row.clip.kind, replaysAsAttacks),
      blinks: bounds.map((b) => (m !== null && m >= b ? 1 : 0)),
    };
  });
}

interface ReadingReport {
  readonly reading: Reading;
  readonly inSample: number | null;
  readonly heldOut: readonly HeldOutClip[];
}

const f3 = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : v.toFixed(3);
const boundText = (k: number | null | undefined): string =>
  k === null || k === undefined ? 'none' : (bounds[k] ?? 0).toFixed(2);

function printClipTable(rows: readonly Row[], reports: readonly ReadingReport[]): void {
  console.log(
    `\nper clip: motion (eye distances) and [the held-out bound, + when over it] per reading: ${reports.map((r, i) => `(${i + 1}) ${r.reading.name}`).join('; ')}`,
  );
  console.log(
    `${'clip'.padEnd(48)} kind   faces(mesh)/frames | ${reports.map((_, i) => `(${i + 1}) motion [bound]`.padEnd(20)).join(' | ')}`,
  );
  for (const row of rows) {
    const cells = reports.map((rep, i) => {
      const held = rep.heldOut.find((h) => h.name === row.clip.name);
      const mark = held !== undefined && held.blinks > 0 ? '+' : ' ';
      return `${f3(row.motion[i]).padStart(6)} [${boundText(held?.index)}] ${mark}`.padEnd(20);
    });
    console.log(
      `${row.clip.name.padEnd(48)} ${row.clip.kind.padEnd(6)} ${`${row.faces}(${row.meshFaces})/${row.frames}`.padStart(17)} | ${cells.join(' | ')}`,
    );
  }
}

function tally(rows: readonly Row[], over: (row: Row) => boolean): string {
  const of = (kind: Kind): string => {
    const group = rows.filter((r) => r.clip.kind === kind);
    return `${group.filter(over).length}/${group.length}`;
  };
  return `live ${of('live').padEnd(6)} photo (false) ${of('photo').padEnd(6)} replay ${of('replay')}`;
}

function printSummary(rows: readonly Row[], reports: readonly ReadingReport[]): void {
  console.log('\nsummary: clips with 3-D motion found / clips');
  for (const [i, rep] of reports.entries()) {
    const held = new Map(rep.heldOut.map((h) => [h.name, h]));
    const folds = rep.heldOut.flatMap((h) => (h.index === null ? [] : [bounds[h.index] ?? 0]));
    const spread =
      folds.length === 0
        ? 'no fold found a safe bound'
        : `fold bounds ${Math.min(...folds).toFixed(2)}-${Math.max(...folds).toFixed(2)}`;
    console.log(`(${i + 1}) ${rep.reading.name}`);
    console.log(
      `    HELD OUT (${spread}) ${tally(rows, (r) => (held.get(r.clip.name)?.blinks ?? 0) > 0)}`,
    );
    const k = rep.inSample;
    console.log(
      `    in-sample (bound ${boundText(k)})${' '.repeat(Math.max(0, 22 - boundText(k).length))} ${k === null ? '-' : tally(rows, (r) => (r.motion[i] ?? -1) >= (bounds[k] ?? Infinity))}`,
    );
    for (const fixed of [0.12, 0.25])
      console.log(
        `    at the kiosk's ${fixed.toFixed(2)}${' '.repeat(19)} ${tally(rows, (r) => (r.motion[i] ?? -1) >= fixed)}`,
      );
    const photos = rows.filter((r) => r.clip.kind === 'photo').map((r) => r.motion[i] ?? 0);
    const lives = rows.filter((r) => r.clip.kind === 'live').map((r) => r.motion[i] ?? 0);
    const photoMax = Math.max(...photos);
    const liveOver = Math.min(...lives.filter((v) => v > photoMax));
    // The room a bound has: how far the least-moving live clip that any bound can take sits above every photo.
    console.log(
      `    photo motion max ${f3(photoMax)}; lowest live above it ${f3(liveOver)} (${(liveOver / photoMax).toFixed(2)}x); live motion sorted ${lives
        .sort((a, b) => a - b)
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      only: { type: 'string', default: '' },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
      'no-cache': { type: 'boolean', default: false },
      'replays-as-attacks': { type: 'boolean', default: false },
    },
  });
  const parts = await loadFaceParts(values.models);
  const tracker = new FaceTracker(
    { faceapi: parts.runtime.faceapi, models: parts.models, backend: parts.runtime.backend },
    defaultFaceEngineOptions,
    defaultTrackerOptions,
  );
  const meshReader = parts.models.eyes.mesh;
  const mesh = { read: meshReader.read.bind(meshReader) };
  const only = values.only === '' ? null : values.only.split(',');
  const dir = await mkdtemp(path.join(tmpdir(), 'facepay-parallax-mesh-'));
  const rows: Row[] = [];
  try {
    const clips = [...(await videoClips()), ...(await photoClips(dir))].filter(
      (c) => only === null || only.some((o) => c.name.includes(o)),
    );
    console.log(
      `backend ${tracker.backend}; ${meshReader.modelId} (crop ${meshCropScale}x the 68-point box)`,
    );
    for (const clip of clips) {
      if (clip.kind === 'photo') await makePhotoClip(clip);
      const points = await readClip(clip, tracker, mesh, !values['no-cache']);
      assertSameAsKiosk(points.faces);
      const motion = readings.map((r) => clipMotion(r, points.faces));
      rows.push({
        clip,
        frames: points.frames,
        faces: points.faces.length,
        meshFaces: points.faces.filter((f) => f.mesh !== null).length,
        motion,
      });
      console.log(
        `read ${clip.name}: ${points.faces.length}/${points.frames} faces; motion ${motion.map(f3).join(' ')}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    tracker.dispose();
  }
  const replaysAsAttacks = values['replays-as-attacks'];
  const reports: ReadingReport[] = readings.map((reading, r) => {
    const clips = boundClips(rows, r, replaysAsAttacks);
    return {
      reading,
      inSample: chooseBound(clips, bounds.length, 'clips').index,
      heldOut: leaveOneGroupOut(clips, bounds.length, 'clips'),
    };
  });
  console.log(
    `\nbounds chosen leave-one-group-out (${new Set(rows.map((r) => r.clip.group)).size} groups) from ${bounds[0]}-${bounds.at(-1)}: no training ${replaysAsAttacks ? 'photo or replay' : 'photo'} at or over the bound, most training live clips over it, the middle of a tie`,
  );
  printClipTable(rows, reports);
  printSummary(rows, reports);
  if (values.json !== undefined)
    await writeFile(
      values.json,
      `${JSON.stringify({ bounds, readings, rows: rows.map((r) => ({ ...r, clip: r.clip.name, kind: r.clip.kind })), reports }, null, 2)}\n`,
    );
}

await main();
