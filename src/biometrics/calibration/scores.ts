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

/** One pair's outcome: its subset (or any group name), its label, and its score (null: failed to acquire). */
export interface PairScore {
  readonly group: string;
  readonly genuine: boolean;
  readonly score: number | null;
}

/** Groups pair outcomes into per-group scores, sorted by group name; a null score is a failure to acquire. */
export function groupScores(pairs: Iterable<PairScore>): ScoreSet {
  const byGroup = new Map<string, SubsetScores>();
  for (const pair of pairs) {
    let scores = byGroup.get(pair.group);
    if (scores === undefined) {
      scores = emptySubsetScores();
      byGroup.set(pair.group, scores);
    }
    if (pair.genuine) scores.genuinePairs += 1;
    else scores.impostorPairs += 1;
    if (pair.score === null) {
      scores.failedToAcquire += 1;
      if (pair.genuine) scores.genuineFailedToAcquire += 1;
    } else if (pair.genuine) scores.genuine.push(pair.score);
    else scores.impostor.push(pair.score);
  }
  return new Map([...byGroup].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Scores every pair. `descriptorOf` returns null for an image in which no usable face was found
 * (decode error or any quality-gate reason); such a pair gets no score and counts as failed to acquire.
 */
export function scorePairs(
  pairs: readonly LabelledPair[],
  descriptorOf: (image: string) => Float32Array | null,
): ScoreSet {
  return groupScores(
    pairs.map((pair) => ({
      group: pair.subset,
      genuine: pair.genuine,
      score: pairScore(descriptorOf(pair.imgA), descriptorOf(pair.imgB)),
    })),
  );
}

/** Cosine similarity of the pair's two descriptors; null when either image failed to acquire. */
export function pairScore(a: Float32Array | null, b: Float32Array | null): number | null {
  return a === null || b === null ? null : cosineSimilarity(a, b);
}
