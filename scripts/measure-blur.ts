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
//   sharp+n2 / +n4 / +n6, sharp+q20 / +q50, dark+n4, dark+q50: the same given Gaussian noise of sigma
//               2 / 4 / 6 grey levels, or saved as a JPEG of quality 20 / 50 (a camera's noise and
//               MJPEG compression; the bound must let them through)
//   def         a Gaussian defocus of 4.5% of the face box's width at the rescaled size, and def+n2 / +n4 /
//               +n6 / +q20 / +q50 / +n4+q50: that defocus THEN noised or compressed, as a camera defocuses
//               before its sensor noise and compression (blurring a captured photo smooths its noise too)
//   def8 def12  a strong defocus, 8% / 12% of the face box's width, as is and then +n4 / +n6 / +q20 /
//               +n4+q50 (issue 8 review: a strong defocus under noise was thought to read sharp)
//   dark+n6     darkened, then noised at sigma 6 (low light: the noise is large against the face's contrast)
// The chip is the engine's (processFrame with the blur and brightness bounds off); `old` is the variance
// of the Laplacian over its central two thirds (the gate before issue 8), the others chip-sharpness.ts's
// re-blur ratio over the eyes and brows of the chip pooled to 50 px: `ratio` as 32401b5 shipped it, `n1`
// (ships) / `n2` with each difference cored by 1 / 2 noise deviations, `n1k3` also by 3% of the grey
// range, `n1r` / `n2r` cored but divided by all differences; `det` is n1's share of differences above the
// noise floor, a candidate second condition. Prints one row per photo and variant, the medians per
// variant and width, the bound the rule of blur-bound-rule.ts gives each measure (the highest 0.01 step
// that refuses no sharp, dark, noised or compressed copy of an unmasked photo) and what it refuses, the
// shipped bound beside n1's, what n1 and det together (each at its ruled bound) refuse per variant
// against n1 alone, and the cost of each measure per chip.
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
import { chipSharpness, chipSharpnessOptions } from '../src/biometrics/chip-sharpness.ts';
import { createFaceEngine } from '../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../src/biometrics/engine.ts';
import { defaultFaceEngineOptions } from '../src/biometrics/engine.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import { formatTable } from '../src/biometrics/calibration/report.ts';
import { defaultQualityThresholds } from '../src/biometrics/quality.ts';
import { boundFromCopies, gateFromCopies, keptVariant, maskedPhoto } from './blur-bound-rule.ts';
import { greyChip, laplacianVariance } from './blur-measures.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');

const raw = {
  pool: 3,
  taps: 5,
  region: 'upper',
  coring: 0,
  noise: 'median',
} as const;
/** ratio: 32401b5's measure (no coring); n1 / n2: differences cored by 1 / 2 noise deviations (n1
 * ships); n1k3: also by 3% of the grey range; n1r / n2r: cored, divided by all differences. */
const candidates: Record<string, ChipSharpnessOptions> = {
  ratio: raw,
  n1: { ...raw, coring: 1 },
  n2: { ...raw, coring: 2 },
  n1k3: { ...raw, coring: 1, contrastCoring: 0.03 },
  n1r: { ...raw, coring: 1, total: 'raw' },
  n2r: { ...raw, coring: 2, total: 'raw' },
};
/** `det`: n1's share of differences above the noise floor (chip-sharpness.ts `detail`), a candidate second
 * condition of the gate (refused below its own ruled bound). */
const measureNames = ['old', ...Object.keys(candidates), 'det'];
/** The candidate that is chipSharpnessOptions (what the gate reads), and the candidate two-measure gate. */
const shippedName = 'n1';
const gateMeasures = [shippedName, 'det'];
/** Copies blurred first, then given sensor noise or compression (as a camera does), and sharp ones the same. */
const noisedNames = ['n2', 'n4', 'n6', 'q20', 'q50'];
const variantNames = [
  'sharp',
  ...noisedNames.map((after) => `sharp+${after}`),
  'dark',
  'dark+n4',
  'dark+q50',
  'dark+n6',
  'src1.5',
  'src3',
  'at1.5',
  'at3',
  'motion7',
  'def',
  ...noisedNames.map((after) => `def+${after}`),
  'def+n4+q50',
  ...['def8', 'def12'].flatMap((def) => [
    def,
    ...['n4', 'n6', 'q20', 'n4+q50'].map((after) => `${def}+${after}`),
  ]),
];
/** `def` / `def8` / `def12`: a Gaussian defocus of this fraction of the face box's width, at the rescaled
 * size (a strong defocus, 8-12%, leaves noise added after it as the chip's only fine detail). */
const defocusOfFaceWidth = { def: 0.045, def8: 0.08, def12: 0.12 };

/** Deterministic Gaussian noise of `sigma` grey levels on every channel (seeded per copy). */
async function withNoise(pipeline: Sharp, sigma: number, seed: number): Promise<Sharp> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let state = seed >>> 0 || 1;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i += 1) {
    const gauss = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    out[i] = Math.max(0, Math.min(255, Math.round((data[i] ?? 0) + sigma * gauss)));
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

/** `base` then each step of `after` ('n4': noise sigma 4; 'q20': a JPEG of quality 20), as PNG-ready. */
async function degrade(base: Sharp, after: string[], seed: number): Promise<Sharp> {
  let pipeline = base;
  for (const step of after) {
    const value = Number(step.slice(1));
    if (step.startsWith('n')) pipeline = await withNoise(pipeline, value, seed);
    else pipeline = sharp(await pipeline.jpeg({ quality: value }).toBuffer());
  }
  return pipeline;
}

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
    out[name] = chipSharpness(grey, mask, chipSide, options).sharpness;
  out.det = chipSharpness(grey, mask, chipSide, candidates[shippedName]).detail;
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
      const defocus = (share: number): number => share * base.boxWidth * size.scale;
      const seed = rows.length + 1;
      const variants: Record<string, () => Promise<Sharp>> = {
        sharp: async () => atSize(),
        dark: async () => atSize().linear(45 / Math.max(luma, 1), 0),
        def: async () =>
          sharp(await atSize().blur(defocus(defocusOfFaceWidth.def)).png().toBuffer()),
        def8: async () =>
          sharp(await atSize().blur(defocus(defocusOfFaceWidth.def8)).png().toBuffer()),
        def12: async () =>
          sharp(await atSize().blur(defocus(defocusOfFaceWidth.def12)).png().toBuffer()),
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
        const [first = '', ...after] = variant.split('+');
        const make =
          after.length === 0
            ? variants[variant]
            : async (): Promise<Sharp> => {
                const start = variants[first];
                if (start === undefined) throw new Error(`no variant ${first}`);
                return degrade(sharp(await (await start()).png().toBuffer()), after, seed);
              };
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
  console.log('\nMedians over the photos [min-max] per face width and variant:');
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
          const finite = list.filter(Number.isFinite);
          return `${show(median(list))} [${show(Math.min(...finite))}-${show(Math.max(...finite))}]`;
        }),
      ]);
    }
  }
  console.log(formatTable(['face W', 'variant', 'photos', ...measureNames], summary));
  console.log(
    '\nBound by the rule (blur-bound-rule.ts): the highest 0.01 step that refuses no sharp, dark, noised' +
      ' or compressed copy of an unmasked photo at any size; copies below it:',
  );
  const perVariant = variantNames.filter((variant) => variant !== 'sharp' && !keptVariant(variant));
  console.log(
    formatTable(
      ['measure', 'bound', 'lowest kept copy', 'defocused refused', 'masked kept refused'],
      measureNames
        .filter((name) => name !== 'old')
        .map((name) => {
          const ruled = boundFromCopies(rows, name);
          const lowest = ruled.lowestKept;
          return [
            name,
            show(ruled.bound),
            lowest === null
              ? '-'
              : `${show(lowest.measures[name] ?? Number.NaN)} ${lowest.photo} ${lowest.width} ${lowest.variant}`,
            `${ruled.defocusedRefused}/${ruled.defocusedCopies}`,
            `${ruled.maskedRefused}/${ruled.maskedCopies}`,
          ];
        }),
    ),
  );
  console.log(
    "\nCopies of unmasked photos refused at each measure's ruled bound, per variant (all sizes but orig):",
  );
  console.log(
    formatTable(
      ['variant', ...measureNames.filter((name) => name !== 'old')],
      perVariant.map((variant) => [
        variant,
        ...measureNames
          .filter((name) => name !== 'old')
          .map((name) => {
            const { bound } = boundFromCopies(rows, name);
            const group = rows.filter(
              (row) => row.variant === variant && row.width !== 'orig' && !maskedPhoto(row.photo),
            );
            return `${group.filter((row) => !((row.measures[name] ?? Number.NaN) >= bound)).length}/${group.length}`;
          }),
      ]),
    ),
  );
  const shipped = boundFromCopies(rows, shippedName);
  if (JSON.stringify(candidates[shippedName]) !== JSON.stringify(chipSharpnessOptions))
    console.log(
      `\n${shippedName} is NOT chipSharpnessOptions: the figures below are not the gate's`,
    );
  console.log(
    `\nships (${shippedName}): the rule on ${shipped.photos} unmasked photos (${shipped.keptCopies} kept copies)` +
      ` gives ${show(shipped.bound)}; quality.ts ships sharpnessMin ${defaultQualityThresholds.sharpnessMin}` +
      (shipped.bound === defaultQualityThresholds.sharpnessMin ? ' (the same)' : ' (DIFFERENT)'),
  );
  const gate = gateFromCopies(rows, gateMeasures);
  console.log(
    `\ncandidate gate (${gateMeasures.join(' and ')}, each bound by the rule: ` +
      `${gateMeasures.map((name) => `${name} ${show(gate.bounds[name] ?? Number.NaN)}`).join(', ')}):` +
      ` defocused copies refused ${gate.defocusedRefused}/${gate.defocusedCopies}` +
      ` (${shippedName} alone ${shipped.defocusedRefused}/${shipped.defocusedCopies}),` +
      ` kept copies refused ${gate.keptRefused}, masked photo's kept copies refused` +
      ` ${gate.maskedRefused}/${gate.maskedCopies} (${shippedName} alone ${shipped.maskedRefused}/${shipped.maskedCopies});` +
      ' det is a candidate, not a condition of the shipped gate',
  );
  console.log(
    '\nCopies of unmasked photos refused per variant (all sizes but orig): shipped n1 alone, n1 and det' +
      ' each at its ruled bound:',
  );
  const perVariantGate = (variant: string, measures: string[]): string => {
    const group = rows.filter(
      (row) => row.variant === variant && row.width !== 'orig' && !maskedPhoto(row.photo),
    );
    const { bounds } = gateFromCopies(rows, measures);
    const out = group.filter((row) =>
      measures.some((name) => !((row.measures[name] ?? Number.NaN) >= (bounds[name] ?? 0))),
    );
    return `${out.length}/${group.length}`;
  };
  console.log(
    formatTable(
      ['variant', shippedName, gateMeasures.join('+')],
      variantNames
        .filter((variant) => variant !== 'sharp')
        .map((variant) => [
          variant,
          perVariantGate(variant, [shippedName]),
          perVariantGate(variant, gateMeasures),
        ]),
    ),
  );
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
          else chipSharpness(grey, mask, chipSide, candidates[name === 'det' ? shippedName : name]);
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
