// The calibration record (models/thresholds.json): the operating threshold with the model it is valid for,
// per-subset rates and curve points; built deterministically from scores and checked when read back.

import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import type { ScoreSet } from './scores.ts';
import type { SubsetRates } from './thresholds.ts';
import { errorTradeoff, ratesAt, selectThreshold } from './thresholds.ts';

export const calibrationMetric = 'cosine-similarity';
/** Curve points: every 0.05 up to 0.80, then every 0.01 where the descriptors' scores actually separate. */
export const curveThresholds: readonly number[] = [
  ...Array.from({ length: 16 }, (_, index) => index / 20),
  ...Array.from({ length: 21 }, (_, index) => (80 + index) / 100),
];

export interface CalibrationInput {
  modelId: string;
  targetFmr: number;
  scores: ScoreSet;
  /** Further groups that must also hold the target (the mask split of the masked-face subset). */
  extraGroups: ScoreSet;
  dataset: { pairsSha256: string; imagesSha256: string; images: number; pairs: number };
  /** What made the descriptors (engine options hash, backend); recorded, not interpreted. */
  pipeline: Record<string, string>;
  createdBy: string;
}

const rate = z.number().min(0).max(1).nullable();

const subsetEntry = z.object({
  fmr: rate,
  fnmr: rate,
  genuinePairs: z.number().int().nonnegative(),
  impostorPairs: z.number().int().nonnegative(),
  failedToAcquire: z.number().int().nonnegative(),
  falseMatches: z.number().int().nonnegative(),
  falseNonMatches: z.number().int().nonnegative(),
  ownThreshold: z.number().nullable(),
  fnmrAtOwnThreshold: rate,
  eer: rate,
});

export const thresholdsFileSchema = z.object({
  modelId: z.string().min(1),
  metric: z.literal(calibrationMetric),
  decision: z.string(),
  threshold: z.number().min(-1).max(1),
  targetFmr: z.number().min(0).max(1),
  decidedBy: z.string(),
  method: z.string(),
  perSubset: z.record(z.string(), subsetEntry),
  perGroup: z.record(z.string(), subsetEntry),
  curve: z.object({
    thresholds: z.array(z.number()),
    perSubset: z.record(z.string(), z.object({ fmr: z.array(rate), fnmr: z.array(rate) })),
  }),
  dataset: z.object({
    pairsSha256: z.string(),
    imagesSha256: z.string(),
    images: z.number().int(),
    pairs: z.number().int(),
  }),
  pipeline: z.record(z.string(), z.string()),
  createdBy: z.string(),
});

export type ThresholdsFile = z.infer<typeof thresholdsFileSchema>;
export type SubsetEntry = z.infer<typeof subsetEntry>;

const method =
  'Each image embedded once by the production engine (detector, quality gate, alignment, descriptor); ' +
  'a pair whose image fails the gate is a failure to acquire (a non-match when genuine, not compared when an ' +
  'impostor). Per subset, the lowest threshold on a 1e-4 grid with FMR <= targetFmr; the operating ' +
  'threshold is the highest of these (over subsets and the extra groups: the mask split of mfr2), so every ' +
  'one holds the target. Match when similarity >= threshold.';

/** Six decimals: enough for rates over 20,000 pairs, short enough to read, stable across runs. */
function round6(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e6;
}

export function buildThresholdsFile(input: CalibrationInput): ThresholdsFile {
  const constraints = new Map([...input.scores, ...input.extraGroups]);
  assert(constraints.size === input.scores.size + input.extraGroups.size, 'group names are unique');
  const choice = selectThreshold(constraints, input.targetFmr);
  const perSubset = entriesAt(input.scores, choice.threshold, input.targetFmr);
  const perGroup = entriesAt(input.extraGroups, choice.threshold, input.targetFmr);
  const curvePerSubset: ThresholdsFile['curve']['perSubset'] = {};
  for (const [subset, scores] of input.scores) {
    const points = curveThresholds.map((threshold) => ratesAt(scores, threshold));
    curvePerSubset[subset] = {
      fmr: points.map((point) => round6(point.fmr)),
      fnmr: points.map((point) => round6(point.fnmr)),
    };
  }
  const file: ThresholdsFile = {
    modelId: input.modelId,
    metric: calibrationMetric,
    decision: 'match when cosine similarity >= threshold',
    threshold: choice.threshold,
    targetFmr: input.targetFmr,
    decidedBy: choice.decidedBy,
    method,
    perSubset,
    perGroup,
    curve: { thresholds: [...curveThresholds], perSubset: curvePerSubset },
    dataset: input.dataset,
    pipeline: sortedRecord(input.pipeline),
    createdBy: input.createdBy,
  };
  assert(thresholdsFileSchema.safeParse(file).success, 'the built calibration record is valid');
  return file;
}

function entriesAt(
  groups: ScoreSet,
  threshold: number,
  targetFmr: number,
): Record<string, SubsetEntry> {
  const entries: Record<string, SubsetEntry> = {};
  for (const [name, scores] of groups) {
    const tradeoff = errorTradeoff(scores, targetFmr);
    entries[name] = {
      ...roundRates(ratesAt(scores, threshold)),
      ownThreshold: tradeoff.ownThreshold,
      fnmrAtOwnThreshold: round6(tradeoff.fnmrAtTarget),
      eer: round6(tradeoff.eer),
    };
  }
  return entries;
}

function roundRates(
  rates: SubsetRates,
): Omit<SubsetEntry, 'ownThreshold' | 'fnmrAtOwnThreshold' | 'eer'> {
  return { ...rates, fmr: round6(rates.fmr), fnmr: round6(rates.fnmr) };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Same record -> same bytes: fixed key order from construction, no clock, trailing newline. */
export function serializeThresholdsFile(file: ThresholdsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export class ThresholdsFileError extends Error {
  override name = 'ThresholdsFileError';
}

export function parseThresholdsFile(text: string): ThresholdsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ThresholdsFileError('the thresholds file is not JSON', { cause: error });
  }
  const parsed = thresholdsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ThresholdsFileError(`the thresholds file is invalid: ${parsed.error.message}`);
  }
  return parsed.data;
}
