// `npx tsx scripts/measure-blur.ts`: how the quality gate's blur measure reads real faces at the sizes the
// engine accepts, dark, and really blurred, old measure (Laplacian variance) beside the re-blur candidates.
//
// Photos: webcam photos and webcam-clip frames of faces2/selfie_* (capture.csv), colour web photos of
// faces/ (facerec, human, deepface), nuaa webcam crops and one masked phone selfie. Each is rescaled so its detected face box is W
// px wide (W in --widths; a size above the photo's own is skipped), then read as:
//   sharp       the rescaled photo
//   dark        the same, scaled in intensity so the chip's luma is about 45
//   src1.5 src3 a Gaussian blur of sigma 1.5 / 3 px on the SOURCE photo, then rescaled (at a 10x downscale
//               such a blur is physically gone: listed to show it, not to be refused)
//   at1.5 at3   a Gaussian blur of sigma 1.5 / 3 px at the rescaled size (a defocused camera at that size)
//   motion7     a 7-px horizontal motion blur at the rescaled size
// The chip is the engine's (processFrame with the blur and brightness bounds off); `old` is the variance
// of the Laplacian over its central two thirds (the gate before issue 8), the others chip-sharpness.ts's
// re-blur ratio with pool/taps as named, over the central two thirds or (u) their upper half, the eyes
// and brows (p3t5u ships). Prints one row per photo and
// variant, the medians per variant and width, and the cost of each measure per chip.
//
// Usage: npx tsx scripts/measure-blur.ts [--widths 130,90,60,42] [--per-set 4] [--json <file>]

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { chipSide } from '../src/biometrics/align.ts';
import type { ChipSharpnessOptions } from '../src/biometrics/chip-sharpness.ts';
import { chipSharpness } from '../src/biometrics/chip-sharpness.ts';
import { createFaceEngine } from '../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../src/biometrics/engine.ts';
import { defaultFaceEngineOptions } from '../src/biometrics/engine.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import { formatTable } from '../src/biometrics/calibration/report.ts';
import { greyChip, laplacianVariance } from './blur-measures.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');

const candidates: Record<string, ChipSharpnessOptions> = {
  p3t5u: { pool: 3, taps: 5, region: 'upper' },
  p3t5: { pool: 3, taps: 5, region: 'centre' },
  p3t3: { pool: 3, taps: 3, region: 'centre' },
  p1t9: { pool: 1, taps: 9, region: 'centre' },
};
const measureNames = ['old', ...Object.keys(candidates)];
const variantNames = ['sharp', 'dark', 'src1.5', 'src3', 'at1.5', 'at3', 'motion7'];

interface Row {
  photo: string;
  width: string;
  variant: string;
  eyes: number;
  luma: number;
  measures: Record<string, number>;
}

async function samplePhotos(perSet: number): Promise<string[]> {
  const capture = (await readFile(path.join(dataRoot, 'faces2', 'capture.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const ofCapture = (kind: string): string[] =>
    capture
      .filter((cells) => cells[1] === kind)
      .map((cells) => `faces2/${cells[0] ?? ''}`)
      .filter((_, index, all) => index % Math.max(1, Math.floor(all.length / perSet)) === 0)
      .slice(0, perSet);
  const manifest = (await readFile(path.join(dataRoot, 'faces', 'manifest.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const ofSubset = (subsets: string[]): string[] =>
    manifest
      .filter((cells) => subsets.includes(cells[2] ?? ''))
      .map((cells) => `faces/${cells[0] ?? ''}/${cells[1] ?? ''}.jpg`)
      .filter((_, index, all) => index % Math.max(1, Math.floor(all.length / perSet)) === 0)
      .slice(0, perSet);
  return [
    ...ofCapture('webcam_photo'),
    ...ofCapture('webcam_video_frame'),
    ...ofSubset(['facerec', 'human', 'deepface']),
    ...ofSubset(['nuaa']),
    // A phone selfie with a black mask over nose and mouth: the centre's lower half is the mask.
    'faces2/mask_5ff282eb/1.jpg',
  ];
}

function measuresOf(grey: Float32Array, mask: Float32Array): Record<string, number> {
  const out: Record<string, number> = { old: laplacianVariance(grey, mask, chipSide) };
  for (const [name, options] of Object.entries(candidates))
    out[name] = chipSharpness(grey, mask, chipSide, options);
  return out;
}

async function measure(
  engine: FaceEngine,
  pipeline: Sharp,
): Promise<
  { eyes: number; luma: number; boxWidth: number; measures: Record<string, number> } | string
> {
  const image = await decodeImage(await pipeline.png().toBuffer());
  const result = await engine.processFrame(image, { describe: false });
  if (!result.ok) return result.reason;
  const { grey, mask } = await greyChip(image, result.face.landmarks);
  return {
    eyes: result.face.pose.eyeDistancePixels,
    luma: result.face.photometrics?.lumaMean ?? Number.NaN,
    boxWidth: result.face.box.width,
    measures: measuresOf(grey, mask),
  };
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function show(value: number): string {
  if (!Number.isFinite(value)) return 'NaN';
  return Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(3);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      widths: { type: 'string', default: '130,90,60,42' },
      'per-set': { type: 'string', default: '4' },
      json: { type: 'string' },
    },
  });
  const widths = values.widths.split(',').map(Number);
  const photos = await samplePhotos(Number(values['per-set']));
  const engine = await createFaceEngine({
    engine: {
      ...defaultFaceEngineOptions,
      quality: {
        ...defaultFaceEngineOptions.quality,
        lumaMeanMin: 0,
        sharpnessMin: Number.NEGATIVE_INFINITY,
      },
    },
  });
  const rows: Row[] = [];
  const refused: string[] = [];
  for (const photo of photos) {
    const bytes = await readFile(path.join(dataRoot, photo));
    const base = await measure(engine, sharp(bytes));
    if (typeof base === 'string') {
      refused.push(`${photo}: ${base}`);
      continue;
    }
    const meta = await sharp(bytes).metadata();
    const sourceWidth = meta.width ?? 0;
    const sizes: { label: string; scale: number }[] = [{ label: 'orig', scale: 1 }];
    for (const width of widths)
      if (width < base.boxWidth * 0.95)
        sizes.push({ label: String(width), scale: width / base.boxWidth });
    for (const size of sizes) {
      const resized = (): Sharp =>
        size.scale === 1
          ? sharp(bytes)
          : sharp(bytes).resize(Math.max(8, Math.round(sourceWidth * size.scale)));
      const resizedBytes = await resized().png().toBuffer();
      const atSize = (): Sharp => sharp(resizedBytes);
      const sharpRead = await measure(engine, atSize());
      const luma = typeof sharpRead === 'string' ? 128 : sharpRead.luma;
      const variants: Record<string, () => Promise<Sharp>> = {
        sharp: async () => atSize(),
        dark: async () => atSize().linear(45 / Math.max(luma, 1), 0),
        'src1.5': async () =>
          sharp(await sharp(bytes).blur(1.5).png().toBuffer()).resize(
            Math.max(8, Math.round(sourceWidth * size.scale)),
          ),
        src3: async () =>
          sharp(await sharp(bytes).blur(3).png().toBuffer()).resize(
            Math.max(8, Math.round(sourceWidth * size.scale)),
          ),
        'at1.5': async () => atSize().blur(1.5),
        at3: async () => atSize().blur(3),
        motion7: async () =>
          atSize().convolve({
            width: 7,
            height: 3,
            kernel: [
              ...Array<number>(7).fill(0),
              ...Array<number>(7).fill(1),
              ...Array<number>(7).fill(0),
            ],
            scale: 7,
          }),
      };
      for (const variant of variantNames) {
        const make = variants[variant];
        if (make === undefined) continue;
        const read = variant === 'sharp' ? sharpRead : await measure(engine, await make());
        if (typeof read === 'string') {
          refused.push(`${photo} ${size.label} ${variant}: ${read}`);
          continue;
        }
        rows.push({
          photo,
          width: size.label,
          variant,
          eyes: read.eyes,
          luma: read.luma,
          measures: read.measures,
        });
      }
    }
  }
  console.log(
    formatTable(
      ['photo', 'face W', 'variant', 'eyes px', 'luma', ...measureNames],
      rows.map((row) => [
        row.photo,
        row.width,
        row.variant,
        row.eyes.toFixed(0),
        row.luma.toFixed(0),
        ...measureNames.map((name) => show(row.measures[name] ?? Number.NaN)),
      ]),
    ),
  );
  console.log('\nMedians over the photos (min in brackets) per face width and variant:');
  const summary: string[][] = [];
  for (const width of ['orig', ...widths.map(String)]) {
    for (const variant of variantNames) {
      const group = rows.filter((row) => row.width === width && row.variant === variant);
      if (group.length === 0) continue;
      summary.push([
        width,
        variant,
        String(group.length),
        ...measureNames.map((name) => {
          const list = group.map((row) => row.measures[name] ?? Number.NaN);
          return `${show(median(list))} [${show(Math.min(...list.filter(Number.isFinite)))}]`;
        }),
      ]);
    }
  }
  console.log(formatTable(['face W', 'variant', 'photos', ...measureNames], summary));
  if (refused.length > 0)
    console.log(`\nNot measured (gate with blur and dark bounds off):\n${refused.join('\n')}`);
  // Cost per chip, on the last chip read: the measure alone, many times.
  const last = rows.at(-1);
  if (last !== undefined) {
    const bytes = await readFile(path.join(dataRoot, last.photo));
    const image = await decodeImage(bytes);
    const result = await engine.processFrame(image, { describe: false });
    if (result.ok) {
      const { grey, mask } = await greyChip(image, result.face.landmarks);
      const repeats = 200;
      for (const name of measureNames) {
        const started = performance.now();
        for (let i = 0; i < repeats; i += 1) {
          if (name === 'old') laplacianVariance(grey, mask, chipSide);
          else chipSharpness(grey, mask, chipSide, candidates[name]);
        }
        console.log(
          `cost ${name}: ${((performance.now() - started) / repeats).toFixed(3)} ms per chip (JS)`,
        );
      }
    }
  }
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(rows, null, 1)}\n`);
  engine.dispose();
}

await main();
