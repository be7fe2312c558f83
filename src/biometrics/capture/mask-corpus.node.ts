// The mask detector's labelled photos from shared/data (mfr2, mask_positions, and unmasked colour photos
// of other subsets), each read by the production engine and turned into mask features, cached by sha256.
//
// Labels: a mask over the nose and mouth (mask_full, every mfr2 mask) or over the mouth (mask_mouth)
// hides the face the matcher needs, so it is "masked"; a mask pulled under the chin (mask_chin) leaves
// it bare and is not. Grey subsets (orl, faceapi, yaleb) are left out: the kiosk's camera is colour,
// and features of colour have nothing to read there. Each identity is one group for the folds, and
// people the data links (datasets.node.ts linkedIdentities: possibly the same person) share one group.
import path from 'node:path';
import type { AcquiredImage, Embed } from '../calibration/acquire.node.ts';
import { acquireImages, cacheFileFor } from '../calibration/acquire.node.ts';
import { linkedIdentities, readDataCsv } from '../calibration/datasets.node.ts';
import { productionPipeline } from '../calibration/production.node.ts';
import type { FaceEngine } from '../engine.ts';
import type { QualityReason } from '../quality.ts';
import { qualityReasons } from '../quality.ts';
import type { Grouped } from '../liveness/pad-folds.ts';
import { maskFeatureSpec, maskFeatures } from './mask-features.ts';

export interface MaskSample extends Grouped {
  /** Under the data root: `faces/mfr2_AdrianDunbar/1.jpg`. */
  readonly file: string;
  readonly subset: string;
  /** The data's own label: no-mask, mask_full, surgical_blue, ... */
  readonly position: string;
  readonly masked: boolean;
}

/** Mask positions that leave the nose and mouth bare. */
const unmaskedPositions = new Set(['no-mask', 'mask_chin']);
/** Colour subsets of unmasked people used as more negatives (their identities are their groups). */
const unmaskedSubsets: Readonly<Record<string, readonly string[]>> = {
  faces: ['facerec', 'deepface', 'human', 'nuaa'],
  faces2: ['selfie_webcam', 'web_actors'],
};

/** The fold group of `<root>/<identity>`: itself, or the first of its linked group (the same person). */
export function maskGroupOf(identity: string): string {
  return linkedIdentities.find((group) => group.includes(identity))?.[0] ?? identity;
}

export async function listMaskCorpus(dataRoot: string): Promise<MaskSample[]> {
  const samples: MaskSample[] = [];
  for (const root of ['faces', 'faces2']) {
    const labelled = await readDataCsv(path.join(dataRoot, root, 'masks.csv'), ['image', 'mask']);
    for (const row of labelled) {
      const image = row.image ?? '';
      const position = row.mask ?? '';
      const identity = image.split('/')[0] ?? '';
      samples.push({
        file: `${root}/${image}`,
        group: maskGroupOf(`${root}/${identity}`),
        subset: identity.startsWith('mfr2_') ? 'mfr2' : 'mask_positions',
        position,
        masked: !unmaskedPositions.has(position),
      });
    }
    const manifest = await readDataCsv(path.join(dataRoot, root, 'manifest.csv'), [
      'identity',
      'n',
      'subset',
    ]);
    for (const row of manifest) {
      const subset = row.subset ?? '';
      if (!(unmaskedSubsets[root] ?? []).includes(subset)) continue;
      samples.push({
        file: `${root}/${row.identity}/${row.n}.jpg`,
        group: maskGroupOf(`${root}/${row.identity}`),
        subset,
        position: 'no-mask',
        masked: false,
      });
    }
  }
  return samples;
}

/** One photo as the kiosk's engine read it: the quality gate's verdict and, where a face was seen and
 * sampled, its mask features. */
export interface MaskReading {
  readonly quality: QualityReason | 'ok';
  readonly features: Float64Array | null;
}

export interface MaskCorpus {
  readonly samples: readonly MaskSample[];
  /** By sample file; a photo with no face (or one outside the frame) has features null. */
  readonly readings: ReadonlyMap<string, MaskReading>;
  readonly cacheHits: number;
  readonly engine: FaceEngine;
}

/**
 * Reads every sample through the production engine (landmarks only, no descriptor) and samples its mask
 * features. The acquisition cache stores two rows per photo: the features, and the quality verdict as
 * an index into qualityReasons (-1: ok); its key names the engine and the feature layout.
 */
export async function readMaskCorpus(options: {
  dataRoot: string;
  cacheDir: string | null;
  onProgress?: (done: number, total: number) => void;
}): Promise<MaskCorpus> {
  const samples = await listMaskCorpus(options.dataRoot);
  const pipeline = await productionPipeline();
  const key = `mask-${maskFeatureSpec}-${pipeline.pipelineKey}`;
  const acquired = await acquireImages({
    root: options.dataRoot,
    images: samples.map((s) => s.file),
    embed: maskEmbed(pipeline.engine),
    pipelineKey: key,
    cacheFile: options.cacheDir === null ? null : cacheFileFor(options.cacheDir, key),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const readings = new Map<string, MaskReading>();
  for (const sample of samples) {
    const image = acquired.images.get(sample.file);
    if (image !== undefined) readings.set(sample.file, readingOf(image));
  }
  return { samples, readings, cacheHits: acquired.cacheHits, engine: pipeline.engine };
}

function maskEmbed(engine: FaceEngine): Embed {
  return async (image) => {
    const result = await engine.processFrame(image, { describe: false });
    if (result.face === null) return { ok: false, reason: result.ok ? 'no_face' : result.reason };
    const features = maskFeatures(image, result.face.landmarks);
    if (features === null) return { ok: false, reason: 'outside_frame' };
    const quality = result.ok ? -1 : qualityReasons.indexOf(result.reason);
    return { ok: true, descriptors: [Float32Array.from(features), Float32Array.of(quality)] };
  };
}

function readingOf(image: AcquiredImage): MaskReading {
  const acquisition = image.acquisition;
  if (!acquisition.ok) {
    const known = qualityReasons.find((r) => r === acquisition.reason);
    return { quality: known ?? 'no_face', features: null };
  }
  const [features, quality] = acquisition.descriptors;
  const index = quality?.[0] ?? -1;
  return {
    quality: index < 0 ? 'ok' : (qualityReasons[index] ?? 'no_face'),
    features: features === undefined ? null : Float64Array.from(features),
  };
}
