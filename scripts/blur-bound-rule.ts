// The rule that sets the quality gate's sharpness bound from measure-blur.ts's synthetic copies of photos
// of the shared people (issue 8 review): written once, so the shipped bound is reproduced, not hand-set.

/** A copy the bound must let through: sharp or darkened, as is or noised / compressed (no blur). */
export function keptVariant(variant: string): boolean {
  const [first] = variant.split('+');
  return first === 'sharp' || first === 'dark';
}

/** A copy the bound is there to refuse: defocused at its size (by a share of the face width: `def` 4.5%,
 * `def8` 8%, `def12` 12%), as is or noised / compressed after the blur. */
export function defocusedVariant(variant: string): boolean {
  return /^def\d*$/.test(variant.split('+')[0] ?? '');
}

/** The one masked photo of the set is reported, not ruled on: its cloth is smooth whatever the focus. */
export function maskedPhoto(photo: string): boolean {
  return photo.includes('/mask_');
}

export interface CopyReading {
  photo: string;
  width: string;
  variant: string;
  measures: Record<string, number>;
}

export interface RuledBound {
  /** The highest bound on a 0.01 grid that refuses no kept copy of an unmasked photo at any size. */
  bound: number;
  lowestKept: CopyReading | null;
  photos: number;
  keptCopies: number;
  /** Defocused copies (unmasked) below the bound, of all. */
  defocusedRefused: number;
  defocusedCopies: number;
  /** Kept copies of the masked photo below the bound, of all. */
  maskedRefused: number;
  maskedCopies: number;
}

/**
 * The rule: the highest bound (0.01 steps) that refuses no sharp, dark, noised or compressed copy of an
 * unmasked photo at any face size read; what it then refuses of the defocused copies is its strength.
 */
export function boundFromCopies(rows: readonly CopyReading[], measure: string): RuledBound {
  const valueOf = (row: CopyReading): number => row.measures[measure] ?? Number.NaN;
  const kept = rows.filter(
    (row) => keptVariant(row.variant) && !maskedPhoto(row.photo) && Number.isFinite(valueOf(row)),
  );
  let lowestKept: CopyReading | null = null;
  for (const row of kept)
    if (lowestKept === null || valueOf(row) < valueOf(lowestKept)) lowestKept = row;
  const bound =
    lowestKept === null ? Number.NaN : Math.floor(valueOf(lowestKept) * 100 + 1e-9) / 100;
  const refused = (row: CopyReading): boolean => !(valueOf(row) >= bound);
  const defocused = rows.filter((row) => defocusedVariant(row.variant) && !maskedPhoto(row.photo));
  const masked = rows.filter((row) => keptVariant(row.variant) && maskedPhoto(row.photo));
  return {
    bound,
    lowestKept,
    photos: new Set(rows.filter((row) => !maskedPhoto(row.photo)).map((row) => row.photo)).size,
    keptCopies: kept.length,
    defocusedRefused: defocused.filter(refused).length,
    defocusedCopies: defocused.length,
    maskedRefused: masked.filter(refused).length,
    maskedCopies: masked.length,
  };
}

/** What two or more bounds refuse together (a copy below any one of them), each bound from the rule. */
export interface RuledGate {
  bounds: Record<string, number>;
  defocusedRefused: number;
  defocusedCopies: number;
  /** Kept copies of unmasked photos refused: 0 by the rule, as each bound refuses none. */
  keptRefused: number;
  maskedRefused: number;
  maskedCopies: number;
}

/** The gate of several measures, each bound set by boundFromCopies on its own: a copy is refused when any
 * measure reads below its bound. */
export function gateFromCopies(
  rows: readonly CopyReading[],
  measures: readonly string[],
): RuledGate {
  const bounds: Record<string, number> = {};
  for (const measure of measures) bounds[measure] = boundFromCopies(rows, measure).bound;
  const refused = (row: CopyReading): boolean =>
    measures.some((measure) => !((row.measures[measure] ?? Number.NaN) >= (bounds[measure] ?? 0)));
  const defocused = rows.filter((row) => defocusedVariant(row.variant) && !maskedPhoto(row.photo));
  const kept = rows.filter((row) => keptVariant(row.variant) && !maskedPhoto(row.photo));
  const masked = rows.filter((row) => keptVariant(row.variant) && maskedPhoto(row.photo));
  return {
    bounds,
    defocusedRefused: defocused.filter(refused).length,
    defocusedCopies: defocused.length,
    keptRefused: kept.filter(refused).length,
    maskedRefused: masked.filter(refused).length,
    maskedCopies: masked.length,
  };
}
