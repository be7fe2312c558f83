// How a figure varies over cross-validation folds: the worst, median and best fold, so an average never
// hides a fold of people the system fails. Shared by the face-matching and the PAD cross-validations.

export interface FoldSpread {
  /** Folds in which the figure could be measured. */
  readonly folds: number;
  readonly worst: number;
  readonly median: number;
  readonly best: number;
}

/** Worst (highest error), median and best of per-fold values; folds with no value are left out. */
export function spread(values: readonly (number | null)[]): FoldSpread | null {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const mid = Math.floor(present.length / 2);
  const median =
    present.length % 2 === 1
      ? (present[mid] ?? 0)
      : ((present[mid - 1] ?? 0) + (present[mid] ?? 0)) / 2;
  return {
    folds: present.length,
    worst: present[present.length - 1] ?? 0,
    median,
    best: present[0] ?? 0,
  };
}
