// eval:frames' pose bands: which acquired frames a kiosk would fuse (near-frontal by the quality gate's
// yaw and pitch ratios), and the band chosen on some clips to score another (leave-one-clip-out).
import { defaultProbePose, inProbePose } from '../../src/biometrics/face-session.ts';
import { defaultQualityThresholds } from '../../src/biometrics/quality.ts';

export interface FramePose {
  yawRatio: number;
  pitchRatio: number;
}

/** Near-frontal: |yawRatio - 0.5| <= yawHalfWidth and pitchRatio in [pitchMin, pitchMax]. */
export interface PoseBand {
  yawHalfWidth: number;
  pitchMin: number;
  pitchMax: number;
}

export interface BandFigures {
  band: PoseBand;
  /** Acquired frames inside the band (a kiosk would wait for them). */
  framesInBand: number;
  windows: WindowFigures[];
}

export interface PoseChoice {
  clip: string;
  window: number;
  band: PoseBand;
  figures: WindowFigures;
  framesInBand: number;
}

export interface WindowFigures {
  window: number;
  windows: number;
  falseNonMatches: number;
  fnmr: number | null;
  impostorComparisons: number;
  falseMatches: number;
  highestImpostor: number | null;
}

/** What the band choice reads of a scored clip. */
export interface BandedClip {
  clip: string;
  frames: number;
  poseBands: BandFigures[];
}

/** The quality gate's own bounds (defaultQualityThresholds): every acquired frame lies inside, so this
 * band is every frame the session saw (it fused them all until it waited for frames facing the camera).
 * The grid around it is small on purpose: a few clips cannot choose among many. */
export const gateBand: PoseBand = {
  yawHalfWidth: 0.5 - defaultQualityThresholds.yawRatioMin,
  pitchMin: defaultQualityThresholds.pitchRatioMin,
  pitchMax: defaultQualityThresholds.pitchRatioMax,
};
/** Today's face session: it fuses only frames inside its probePose (face-session.ts defaultProbePose). */

export const sessionBand: PoseBand = {
  yawHalfWidth: 0.5 - defaultProbePose.yawRatioMin,
  pitchMin: defaultProbePose.pitchRatioMin,
  pitchMax: defaultProbePose.pitchRatioMax,
};
if (Math.abs(defaultProbePose.yawRatioMax - (0.5 + sessionBand.yawHalfWidth)) > 1e-9) {
  throw new Error(
    'eval:frames scores yaw bands symmetric about 0.5; the session probe pose is not',
  );
}

export const bandGrid: readonly PoseBand[] = [0.06, 0.1, 0.15, 0.2, gateBand.yawHalfWidth].flatMap(
  (yawHalfWidth) =>
    [
      [gateBand.pitchMin, gateBand.pitchMax],
      [0.25, 0.75],
      [0.35, 0.7],
      [0.4, 0.65],
    ].map(([pitchMin = 0, pitchMax = 1]) =>
      yawHalfWidth === gateBand.yawHalfWidth && pitchMin === gateBand.pitchMin
        ? gateBand
        : { yawHalfWidth, pitchMin, pitchMax },
    ),
);

/** The face session's own test (face-session.ts inProbePose) on the band's bounds. */
export function inBand(pose: FramePose | null, band: PoseBand): boolean {
  if (pose === null) return false;
  return inProbePose(pose, {
    yawRatioMin: 0.5 - band.yawHalfWidth,
    yawRatioMax: 0.5 + band.yawHalfWidth,
    pitchRatioMin: band.pitchMin,
    pitchRatioMax: band.pitchMax,
  });
}

export function bandLabel(band: PoseBand): string {
  if (band === gateBand) return 'gate (every frame)';
  if (band === sessionBand) return 'session (today)';
  return `|yaw-.5|<=${band.yawHalfWidth.toFixed(2)} pitch ${band.pitchMin.toFixed(2)}-${band.pitchMax.toFixed(2)}`;
}

/** Windows of N consecutive acquired frames that lie inside the band: the frames between them are skipped,
 * as a kiosk that waits for frontal frames would skip them. */
export function bandFigures<R extends { pose: FramePose | null }>(
  bands: readonly PoseBand[],
  readings: readonly R[],
  windows: readonly number[],
  score: (readings: readonly R[], window: number) => WindowFigures,
): BandFigures[] {
  return bands.map((band) => {
    const inside = readings.filter((reading) => inBand(reading.pose, band));
    return {
      band,
      framesInBand: inside.length,
      windows: windows.map((window) => score(inside, window)),
    };
  });
}

export interface ClipBand {
  report: BandedClip;
  figures: WindowFigures;
  framesInBand: number;
}

export function clipBand(report: BandedClip, band: PoseBand, window: number): ClipBand {
  const entry = report.poseBands.find((candidate) => candidate.band === band);
  const figures = entry?.windows.find((candidate) => candidate.window === window);
  if (entry === undefined || figures === undefined) throw new Error('band figures missing');
  return { report, figures, framesInBand: entry.framesInBand };
}

/** A clip with no window inside the band never gets a decision: counted as a miss (FNMR 1). */
export function meanFnmr(rows: readonly ClipBand[]): number {
  return rows.reduce((sum, row) => sum + (row.figures.fnmr ?? 1), 0) / Math.max(1, rows.length);
}

export function falseMatchesOf(rows: readonly ClipBand[]): number {
  return rows.reduce((sum, row) => sum + row.figures.falseMatches, 0);
}

export function meanShare(rows: readonly ClipBand[]): number {
  return (
    rows.reduce((sum, row) => sum + row.framesInBand / Math.max(1, row.report.frames), 0) /
    rows.length
  );
}

/** On these clips: the band with the lowest mean FNMR among those adding no false match to the gate's
 * (FMR held); ties go to the band holding more frames (the kiosk waits less), then to the gate itself, so
 * a band replaces fusing every frame only where it lowers FNMR. */
export function chooseBand(reports: readonly BandedClip[], window: number): PoseBand {
  const measure = (band: PoseBand): { band: PoseBand; fnmr: number; share: number; fm: number } => {
    const rows = reports.map((report) => clipBand(report, band, window));
    return { band, fnmr: meanFnmr(rows), share: meanShare(rows), fm: falseMatchesOf(rows) };
  };
  const gate = measure(gateBand);
  let best = gate;
  for (const band of bandGrid) {
    const candidate = measure(band);
    if (candidate.fm > gate.fm) continue;
    const lower = candidate.fnmr < best.fnmr - 1e-12;
    const tie = Math.abs(candidate.fnmr - best.fnmr) <= 1e-12;
    if (lower || (tie && candidate.share > best.share)) best = candidate;
  }
  return best.band;
}

/** Leave-one-clip-out: each clip scored at the band chosen on the other clips. */
export function heldOutChoices(
  reports: readonly BandedClip[],
  windows: readonly number[],
): PoseChoice[] {
  return windows.flatMap((window) =>
    reports.map((report) => {
      const others = reports.filter((other) => other !== report);
      return choiceAt(report, chooseBand(others, window), window);
    }),
  );
}

/** One clip scored at `band`, fused over `window` frames. */
export function choiceAt(report: BandedClip, band: PoseBand, window: number): PoseChoice {
  const row = clipBand(report, band, window);
  return {
    clip: report.clip,
    window,
    band,
    figures: row.figures,
    framesInBand: row.framesInBand,
  };
}

/** In sample (labelled so): one band chosen on every clip, each clip scored at it. */
export function inSampleChoices(
  reports: readonly BandedClip[],
  windows: readonly number[],
): PoseChoice[] {
  return windows.flatMap((window) => {
    const band = chooseBand(reports, window);
    return reports.map((report) => choiceAt(report, band, window));
  });
}
