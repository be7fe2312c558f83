// Turns labelled pairs and per-image descriptors into comparison scores per subset (cosine similarity of
// unit descriptors), keeping every pair with an unreadable image as a failure to acquire, never dropping it.

import { assert } from '../../shared/assert.ts';
import type { LabelledPair } from './pairs.ts';

export interface SubsetScores {
  /** Similarity of each genuine pair whose two images were both acquired. */
  readonly genuine: number[];
  /** Similarity of each impostor pair whose two images were both acquired. */
  readonly impostor: number[];
  /** All genuine pairs of the subset, acquired or not. */
  genuinePairs: number;
  /** All impostor pairs of the subset, acquired or not. */
  impostorPairs: number;
  /** Pairs (either label) with an image in which no usable face was found. */
  failedToAcquire: number;
  /** Genuine pairs among `failedToAcquire`: each one is a false non-match (a person who cannot be read cannot pay). */
  genuineFailedToAcquire: number;
}

/** Subset name -> scores; iteration order is sorted by subset name. */
export type ScoreSet = ReadonlyMap<string, SubsetScores>;

/** Cosine similarity; for unit descriptors this is the dot product, 1 - d^2 / 2 for Euclidean distance d. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  assert(a.length === b.length && a.length > 0, 'descriptors must have the same, non-zero length');
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  assert(normA > 0 && normB > 0, 'a descriptor must have a non-zero norm');
  return dot / Math.sqrt(normA * normB);
}

/** The cosine similarity that corresponds to a Euclidean distance between unit descriptors. */
export function similarityForUnitDistance(distance: number): number {
  return 1 - (distance * distance) / 2;
}

export function emptySubsetScores(): SubsetScores {
  return {
    genuine: [],
    impostor: [],
    genuinePairs: 0,
    impostorPairs: 0,
    failedToAcquire: 0,
    genuineFailedToAcquire: 0,
  };
}

/**
 * Scores every pair. `descriptorOf` returns null for an image in which no usable face was found
 * (decode error or any quality-gate reason); such a pair gets no score and counts as failed to acquire.
 */
export function scorePairs(
  pairs: readonly LabelledPair[],
  descriptorOf: (image: string) => Float32Array | null,
): ScoreSet {
  const bySubset = new Map<string, SubsetScores>();
  for (const pair of pairs) {
    let scores = bySubset.get(pair.subset);
    if (scores === undefined) {
      scores = emptySubsetScores();
      bySubset.set(pair.subset, scores);
    }
    addPair(scores, pair, descriptorOf(pair.imgA), descriptorOf(pair.imgB));
  }
  return new Map([...bySubset].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function addPair(
  scores: SubsetScores,
  pair: LabelledPair,
  a: Float32Array | null,
  b: Float32Array | null,
): void {
  if (pair.genuine) scores.genuinePairs += 1;
  else scores.impostorPairs += 1;
  if (a === null || b === null) {
    scores.failedToAcquire += 1;
    if (pair.genuine) scores.genuineFailedToAcquire += 1;
    return;
  }
  const similarity = cosineSimilarity(a, b);
  if (pair.genuine) scores.genuine.push(similarity);
  else scores.impostor.push(similarity);
}
