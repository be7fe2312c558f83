// `npx tsx scripts/measure-face-continuity.ts`: the figures behind the face session's continuity bounds
// (liveness/active/face-continuity.ts defaultContinuityOptions), identity-disjoint as DESIGN.md asks:
// 1. Missed detections of real people: on every frame of the shared webcam, live and talking-face clips
//    (the kiosk's tracker, each frame at its own time), every run of frames without a face between two
//    frames with one: its length in frames and in ms. The session's gap must span these.
// 2. Same person, consecutive described frames: the distance of each described frame's unit descriptor to
//    the previous described frame of the same clip (lag 1), and to the one 3 described frames back (the
//    session describes every 3rd frame once it holds enough).
// 3. Different people: photo 1 of every identity folder of faces/ and faces2/ that the production engine
//    reads, every pair's distance (none of these people is in the clips).
// It prints median, p95, p99, max of 2; min, p1, median of 3; and the bound with its margins.
//
// Usage: npx tsx scripts/measure-face-continuity.ts [--json FILE]
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceEngine, createFaceTracker } from '../src/biometrics/engine.node.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import { openFrameSource } from '../src/biometrics/replay/frame-source.node.ts';
import { defaultProbePose, inProbePose } from '../src/biometrics/face-session.ts';
import {
  defaultContinuityOptions,
  descriptorDistanceOf,
} from '../src/biometrics/liveness/active/face-continuity.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const data = path.join(repoRoot, '..', 'shared', 'data');

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (at - lo);
}

async function clips(): Promise<string[]> {
  const out: string[] = [];
  for (const folder of ['webcam', 'live']) {
    const dir = path.join(data, 'video', folder);
    for (const name of (await readdir(dir)).sort())
      if (/\.(mov|mp4|webm|3gp)$/i.test(name)) out.push(path.join(dir, name));
  }
  out.push(path.join(data, 'video', 'talking-face.mp4'));
  return out;
}

interface ClipFigures {
  clip: string;
  frames: number;
  framesWithFace: number;
  /** Runs of frames without a face between two frames with one. */
  gaps: { frames: number; ms: number }[];
  lag1: number[];
  lag3: number[];
  /** lag1 where both frames face the camera (the probe pose, which alone is fused). */
  lag1Probe: number[];
}

async function measureClip(
  clip: string,
  tracker: Awaited<ReturnType<typeof createFaceTracker>>,
): Promise<ClipFigures> {
  tracker.reset();
  const source = await openFrameSource(clip, { folderFps: 25 });
  const figures: ClipFigures = {
    clip: path.relative(data, clip),
    frames: 0,
    framesWithFace: 0,
    gaps: [],
    lag1: [],
    lag3: [],
    lag1Probe: [],
  };
  let lastFaceMs: number | null = null;
  let missed = 0;
  let lastSegment: number | null = null;
  const described: { descriptor: Float32Array; probe: boolean }[] = [];
  for await (const frame of source.frames()) {
    if (lastSegment !== null && frame.segment !== lastSegment) {
      // A new run of the recording: nothing carries across.
      tracker.reset();
      lastFaceMs = null;
      missed = 0;
      described.length = 0;
    }
    lastSegment = frame.segment;
    figures.frames += 1;
    const result = await tracker.processFrame(frame.image, { describe: true });
    if (result.face === null) {
      missed += 1;
      continue;
    }
    figures.framesWithFace += 1;
    if (lastFaceMs !== null && missed > 0)
      figures.gaps.push({ frames: missed, ms: frame.timestampMs - lastFaceMs });
    lastFaceMs = frame.timestampMs;
    missed = 0;
    if (result.ok && result.descriptor !== null) {
      const d = result.descriptor;
      const probe = inProbePose(result.face.pose, defaultProbePose);
      const previous = described.at(-1);
      if (previous !== undefined) {
        const distance = descriptorDistanceOf(previous.descriptor, d);
        figures.lag1.push(distance);
        if (probe && previous.probe) figures.lag1Probe.push(distance);
      }
      const third = described.at(-3);
      if (third !== undefined) figures.lag3.push(descriptorDistanceOf(third.descriptor, d));
      described.push({ descriptor: d, probe });
    }
  }
  return figures;
}

async function firstPhotos(): Promise<{ identity: string; file: string }[]> {
  const out: { identity: string; file: string }[] = [];
  for (const root of ['faces', 'faces2']) {
    const dir = path.join(data, root);
    for (const name of (await readdir(dir)).sort()) {
      const folder = path.join(dir, name);
      if (!(await stat(folder)).isDirectory()) continue;
      const files = (await readdir(folder)).filter((f) => /\.(jpe?g|png)$/i.test(f));
      const first = files.includes('1.jpg')
        ? '1.jpg'
        : files.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))[0];
      if (first !== undefined)
        out.push({ identity: `${root}/${name}`, file: path.join(folder, first) });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'string' } } });
  const tracker = await createFaceTracker();
  const engine = await createFaceEngine();
  const perClip: ClipFigures[] = [];
  for (const clip of await clips()) {
    const figures = await measureClip(clip, tracker);
    perClip.push(figures);
    const longest = Math.max(0, ...figures.gaps.map((g) => g.ms));
    console.log(
      `${figures.clip.padEnd(38)} frames ${String(figures.frames).padStart(4)}  with face ${String(figures.framesWithFace).padStart(4)}  ` +
        `gaps ${figures.gaps.length} (longest ${Math.max(0, ...figures.gaps.map((g) => g.frames))} frames, ${longest.toFixed(0)} ms)  ` +
        `lag1 max ${Math.max(0, ...figures.lag1).toFixed(3)} (probe pose ${Math.max(0, ...figures.lag1Probe).toFixed(3)})  lag3 max ${Math.max(0, ...figures.lag3).toFixed(3)}`,
    );
  }
  const photos: { identity: string; descriptor: Float32Array }[] = [];
  for (const photo of await firstPhotos()) {
    const read = await engine.processFrame(await decodeImage(await readFile(photo.file)));
    if (read.ok) photos.push({ identity: photo.identity, descriptor: read.descriptor });
  }
  const different: number[] = [];
  for (let i = 0; i < photos.length; i++)
    for (let j = i + 1; j < photos.length; j++)
      different.push(
        descriptorDistanceOf(
          (photos[i] as (typeof photos)[number]).descriptor,
          (photos[j] as (typeof photos)[number]).descriptor,
        ),
      );
  const gapsMs = perClip.flatMap((c) => c.gaps.map((g) => g.ms));
  const gapsFrames = perClip.flatMap((c) => c.gaps.map((g) => g.frames));
  const same1 = perClip.flatMap((c) => c.lag1);
  const same3 = perClip.flatMap((c) => c.lag3);
  const sameProbe = perClip.flatMap((c) => c.lag1Probe);
  const same = [...same1, ...same3];
  const bound = defaultContinuityOptions.descriptorDistanceMax;
  const f = (x: number): string => x.toFixed(3);
  console.log('');
  console.log(
    `missed-detection runs between faces: ${gapsMs.length}; frames max ${Math.max(0, ...gapsFrames)}, ` +
      `ms median ${quantile(gapsMs, 0.5).toFixed(0)}, max ${Math.max(0, ...gapsMs).toFixed(0)} ` +
      `(session gap: faceLostMsMax ${defaultContinuityOptions.faceLostMsMax} ms)`,
  );
  console.log(
    `same person, consecutive described frames (lag 1, n=${same1.length}): median ${f(quantile(same1, 0.5))}, ` +
      `p95 ${f(quantile(same1, 0.95))}, p99 ${f(quantile(same1, 0.99))}, max ${f(Math.max(...same1))}`,
  );
  console.log(
    `same person, 3 described frames apart (lag 3, n=${same3.length}): median ${f(quantile(same3, 0.5))}, ` +
      `p95 ${f(quantile(same3, 0.95))}, p99 ${f(quantile(same3, 0.99))}, max ${f(Math.max(...same3))}`,
  );
  console.log(
    `same person, lag 1, both frames in the probe pose (n=${sameProbe.length}): median ${f(quantile(sameProbe, 0.5))}, ` +
      `p95 ${f(quantile(sameProbe, 0.95))}, p99 ${f(quantile(sameProbe, 0.99))}, max ${f(Math.max(...sameProbe))}`,
  );
  console.log(
    `different people (${photos.length} identities' first photo, ${different.length} pairs): min ${f(Math.min(...different))}, ` +
      `p1 ${f(quantile(different, 0.01))}, p5 ${f(quantile(different, 0.05))}, median ${f(quantile(different, 0.5))}, max ${f(Math.max(...different))}`,
  );
  const sameMax = Math.max(...same);
  const caught = different.filter((d) => d > bound).length;
  console.log(
    `bound descriptorDistanceMax ${f(bound)}: ${f(bound - sameMax)} above the same-person max, ` +
      `${f(quantile(different, 0.01) - bound)} below the different-people p1; ` +
      `${caught}/${different.length} different-people pairs (${((100 * caught) / different.length).toFixed(1)}%) beyond it, ` +
      `${same.filter((d) => d > bound).length}/${same.length} same-person distances beyond it`,
  );
  if (values.json !== undefined)
    await writeFile(
      values.json,
      JSON.stringify({ perClip, different, identities: photos.map((p) => p.identity) }, null, 2),
    );
  tracker.dispose();
  engine.dispose();
}

await main();
