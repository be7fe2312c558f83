// faceres's pooled activations of every PAD corpus sample (eval:pad-deep), on the engine's cached face
// box, cached in .facepay/cache by image sha256, the weights' sha256 and the layer; and their cost per face.
import path from 'node:path';
import { faceresCropScale } from '../embedders/faceres.ts';
import type { DeepPadExtractor, DeepPadLayer } from './deep-pad.ts';
import { deepPadPool } from './deep-pad.ts';
import type { PadCorpus, PadCorpusSample } from './pad-corpus.node.ts';
import type { CostSummary } from './pad-net-corpus.node.ts';
import {
  readCacheJson,
  timeStages,
  withAcquiredFace,
  writeCacheJson,
} from './pad-net-corpus.node.ts';

function cacheFile(cacheDir: string, modelId: string, layer: DeepPadLayer): string {
  const node = layer.node.replace(/[^A-Za-z0-9]+/g, '_');
  const pool = deepPadPool.std ? 'meanstd' : 'mean';
  return path.join(cacheDir, `pad-deep-${modelId}-${node}-crop${faceresCropScale}-${pool}-v1.json`);
}

function extractSample(corpus: PadCorpus, extractor: DeepPadExtractor, sample: PadCorpusSample) {
  return withAcquiredFace(corpus, sample, (frame, box) => extractor.extract(frame, box));
}

/** Per layer key, each sample's pooled row (null: failed to acquire), extracted once, then cached. */
export async function deepPadFeaturesOf(options: {
  corpus: PadCorpus;
  extractor: DeepPadExtractor;
  samples: readonly PadCorpusSample[];
  cacheDir: string;
  log?: (line: string) => void;
}): Promise<Map<string, (Float64Array | null)[]>> {
  const { corpus, extractor } = options;
  const files = extractor.layers.map((layer) =>
    cacheFile(options.cacheDir, extractor.modelId, layer),
  );
  const caches = await Promise.all(files.map((file) => readCacheJson<number[] | null>(file)));
  await corpus.detectAll(options.samples);
  const out = new Map(extractor.layers.map((l) => [l.key, [] as (Float64Array | null)[]]));
  let fresh = 0;
  for (const sample of options.samples) {
    const sha = await corpus.sha(sample);
    if (caches.some((cache) => cache[sha] === undefined)) {
      const extracted = await extractSample(corpus, extractor, sample);
      extractor.layers.forEach((layer, i) => {
        const row = extracted?.rows[layer.key];
        (caches[i] as Record<string, number[] | null>)[sha] =
          row === undefined ? null : Array.from(row);
      });
      fresh += 1;
      if (fresh % 100 === 0) options.log?.(`faceres activations: ${fresh} faces`);
    }
    extractor.layers.forEach((layer, i) => {
      const row = caches[i]?.[sha];
      out.get(layer.key)?.push(row === null || row === undefined ? null : Float64Array.from(row));
    });
  }
  if (fresh > 0) {
    for (const [i, file] of files.entries()) await writeCacheJson(file, caches[i]);
  }
  return out;
}

/** Times the crop, the net (to the deepest layer asked) and the pooling on `faces` acquired samples. */
export function measureDeepPadCost(options: {
  corpus: PadCorpus;
  extractor: DeepPadExtractor;
  samples: readonly PadCorpusSample[];
  faces: number;
  warmup: number;
}): Promise<Record<'crop' | 'net' | 'pool' | 'total', CostSummary>> {
  return timeStages({
    ...options,
    stages: ['crop', 'net', 'pool', 'total'],
    run: async (sample) => {
      const extracted = await extractSample(options.corpus, options.extractor, sample);
      if (extracted === null) return null;
      const { cropMs, netMs, poolMs } = extracted.timings;
      return { crop: cropMs, net: netMs, pool: poolMs, total: cropMs + netMs + poolMs };
    },
  });
}
