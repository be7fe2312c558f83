// The passive detector's out-of-sample protocol on shared/data, shared by train:pad and eval:pad: the
// corpus, the candidate feature sets, nested leave-one-group-out cross-validation and its summary.
import path from 'node:path';
import { assert } from '../../shared/assert.ts';
import { createFaceEngine } from '../engine.node.ts';
import { padAttackClipRecordings, padPairRecordings } from './pad-clips.node.ts';
import type { PadCorpusSample } from './pad-corpus.node.ts';
import type { LiveRecording } from './pad-corpus.node.ts';
import {
  listPadCorpus,
  listRecordingFrames,
  PadCorpus,
  padLiveRecordings,
} from './pad-corpus.node.ts';
import type {
  CandidateChoice,
  CvOptions,
  DomainSummary,
  FeatureTable,
  FittedPad,
  OperatingPoint,
  OuterFoldResult,
  PadCandidate,
  PadCvSample,
  Rates,
  ScoredSample,
} from './pad-cv.ts';
import type { PassiveTextureDetector } from './passive-texture.ts';
import {
  chooseCandidate,
  fitPad,
  nestedCrossValidation,
  ratesOf,
  scorePad,
  summariseDomain,
  thinPerGroup,
} from './pad-cv.ts';
import type { TextureFeatureSpec } from './texture-features.ts';

/** A candidate's features: the LBP/cue spec and the crop's scale around the detector's box. */
export interface FeatureSet {
  readonly key: string;
  readonly spec: TextureFeatureSpec;
  readonly cropScale: number;
}

const colour = ['y', 'cb', 'cr', 'h', 's', 'v'] as const;
const allCues = ['colour_moments', 'frequency', 'blur', 'specular'] as const;

function featureSets(): FeatureSet[] {
  const specs: [string, TextureFeatureSpec][] = [
    ['cues', { resizeSide: 64, channels: ['y'], operators: [], sqrtBins: false, cues: allCues }],
    [
      'lbp8r1+cues',
      {
        resizeSide: 64,
        channels: colour,
        operators: [{ points: 8, radius: 1, grid: 1 }],
        sqrtBins: true,
        cues: allCues,
      },
    ],
  ];
  // The face box alone (no hair or background: the sets frame those differently) or a little more.
  return [0.8, 1.0].flatMap((cropScale) =>
    specs.map(([name, spec]) => ({ key: `${name} crop${cropScale}`, spec, cropScale })),
  );
}

export const padFeatureSets: readonly FeatureSet[] = featureSets();

export const padCandidates: readonly PadCandidate[] = padFeatureSets.flatMap((set) =>
  [0.03, 0.3].map((l2) => ({ name: `${set.key} l2=${l2}`, features: set.key, l2 })),
);

/** Boosted stumps on each feature set: measured beside logistic regression (eval:pad --with-stumps),
 * not in train:pad's pool (the model file holds a linear model). */
export const padStumpCandidates: readonly PadCandidate[] = padFeatureSets.map((set) => ({
  name: `${set.key} stumps`,
  features: set.key,
  l2: 0,
  classifier: 'stumps' as const,
}));

export const padCvOptions: CvOptions = {
  innerFolds: 3,
  iterations: 150,
  targets: { apcerMax: 0.05, refuseBpcerMax: 0.02 },
};

/** Per pad/ set and class: at most this many evenly spaced frames (they are near-duplicates). */
export const padFramesPerSetMax = 24;

export interface PadProtocolData {
  readonly samples: readonly (PadCvSample & { readonly source: PadCorpusSample })[];
  readonly table: FeatureTable;
  readonly detectMs: number;
  readonly detected: number;
  readonly featureMs: number;
}

export async function loadPadProtocolData(options: {
  dataRoot: string;
  cacheDir: string;
  log: (line: string) => void;
  /** A deployment's own live camera recordings, each its own group, besides the shared ones. */
  extraRecordings?: readonly string[];
  /** Adds the labelled clips (video/pairs, ffmpeg photo attacks: pad-clips.node.ts) as a clips domain.
   * Default false: the corpus pad-texture-v3 was trained on. */
  clips?: boolean;
}): Promise<PadProtocolData> {
  const extra: LiveRecording[] = (options.extraRecordings ?? []).map((file) => ({
    file: path.resolve(file),
    group: `video:${path.basename(file)}`,
    fps: 2,
    frames: 48,
  }));
  const all = await listPadCorpus(options.dataRoot);
  const clips =
    options.clips !== true
      ? []
      : [
          ...(await padPairRecordings(options.dataRoot)),
          ...(await padAttackClipRecordings(options.dataRoot, options.cacheDir)),
        ];
  const kept = [
    ...all.filter((s) => s.domain !== 'pad'),
    ...(await listRecordingFrames(options.dataRoot, options.cacheDir, [
      ...padLiveRecordings,
      ...extra,
      ...clips,
    ])),
    ...thinPerGroup(
      all.filter((s) => s.domain === 'pad'),
      padFramesPerSetMax,
    ),
  ];
  const corpus = new PadCorpus({
    dataRoot: options.dataRoot,
    cacheDir: options.cacheDir,
    engine: () => createFaceEngine(),
    log: options.log,
  });
  try {
    await corpus.detectAll(kept);
    const started = performance.now();
    const table = new Map<string, (Float64Array | null)[]>();
    for (const set of padFeatureSets)
      table.set(set.key, await corpus.features(kept, set.spec, set.cropScale));
    const samples = kept.map((source, index) => ({
      group: source.group,
      domain: source.domain,
      live: source.live,
      index,
      source,
    }));
    return {
      samples,
      table,
      detectMs: corpus.detectMs,
      detected: corpus.detected,
      featureMs: performance.now() - started,
    };
  } finally {
    corpus.dispose();
  }
}

export interface PadProtocolResult {
  readonly folds: readonly OuterFoldResult[];
  readonly domains: readonly DomainSummary[];
  /** The choice made on all groups, for the shipped model. */
  readonly final: CandidateChoice;
}

export function runPadProtocol(
  data: PadProtocolData,
  log: (line: string) => void,
  candidates: readonly PadCandidate[] = padCandidates,
): PadProtocolResult {
  const folds = nestedCrossValidation(data.samples, data.table, candidates, {
    ...padCvOptions,
    onFold: (done, of, fold) =>
      log(
        `fold ${done}/${of} (${fold.testGroups.join(', ')}): ${fold.choice.candidate.name}, ` +
          `threshold ${fold.choice.point.threshold.toFixed(3)}, refuse below ${fold.choice.point.refuseBelow.toFixed(3)}`,
      ),
  });
  const domains = [...new Set(data.samples.map((s) => s.domain))].map((d) =>
    summariseDomain(folds, d),
  );
  const final = chooseCandidate(data.samples, data.table, candidates, padCvOptions);
  return { folds, domains, final };
}

export const defaultPadPaths = (repoRoot: string) => ({
  dataRoot: path.resolve(repoRoot, '../shared/data'),
  cacheDir: path.join(repoRoot, '.facepay', 'cache'),
});

export interface PolicyRow {
  readonly policy: 'passive_only' | 'challenge_on_abstain' | 'challenge_always';
  readonly domain: string;
  /** Bona fide refused without a challenge (score in the refusing band, or no face acquired). */
  readonly realsRefused: number;
  /** Bona fide asked for the challenge. */
  readonly realsAsked: number;
  /** Attacks accepted without a challenge. */
  readonly attacksAccepted: number;
  /** Attacks that must answer the challenge to pass. */
  readonly attacksAsked: number;
}

/** What each kiosk policy does with the out-of-sample scores: refused, asked, accepted. */
export function policyRows(domains: readonly DomainSummary[]): PolicyRow[] {
  return domains.flatMap(({ domain, pooled: r }) => [
    {
      policy: 'passive_only' as const,
      domain,
      realsRefused: r.bpcer,
      realsAsked: 0,
      attacksAccepted: r.apcer,
      attacksAsked: 0,
    },
    {
      policy: 'challenge_on_abstain' as const,
      domain,
      realsRefused: r.bpcerRefused,
      realsAsked: r.realsUncertain,
      attacksAccepted: r.apcer,
      attacksAsked: r.attacksUncertain,
    },
    {
      policy: 'challenge_always' as const,
      domain,
      realsRefused: r.bpcerRefused,
      realsAsked: 1 - r.bpcerRefused,
      attacksAccepted: 0,
      attacksAsked: r.apcer + r.attacksUncertain,
    },
  ]);
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`.padStart(6);
const spreadText = (s: { worst: number; median: number } | null): string =>
  s === null ? '     -/-    ' : `${pct(s.worst)}/${pct(s.median)}`;

export const domainNames: Readonly<Record<string, string>> = {
  nuaa: 'prints, leave-people-out (NUAA)',
  pad: 'replays, leave-one-camera-out (pad/)',
  silentface: 'Silent-Face (1 real, 1 print, 1 screen)',
  video: 'live recordings, other cameras (no attacks)',
  clips: 'clips: pairs + photo attacks (video)',
};

/** The out-of-sample table first (with fold spread), in-sample beside it, labelled. */
export function printPadTables(
  domains: readonly DomainSummary[],
  inSample: ReadonlyMap<string, Rates>,
  print: (line: string) => void,
): void {
  print(
    'OUT OF SAMPLE (nested leave-one-group-out; each score from a model that never saw the group)',
  );
  print(
    `${'domain'.padEnd(40)} reals attacks FTA  APCER  BPCER refused  worst/median APCER  worst/median BPCER   AUC | IN-SAMPLE APCER  BPCER`,
  );
  for (const d of domains) {
    const r = d.pooled;
    const own = inSample.get(d.domain);
    print(
      `${(domainNames[d.domain] ?? d.domain).padEnd(40)} ${String(r.reals).padStart(5)} ${String(r.attacks).padStart(7)} ${String(r.failedToAcquire).padStart(3)} ${pct(r.apcer)} ${pct(r.bpcer)}  ${pct(r.bpcerRefused)}  ${spreadText(d.apcerFolds)}      ${spreadText(d.bpcerFolds)}   ${r.auc === null ? '  n/a' : r.auc.toFixed(3)} | ${own === undefined ? '' : `${pct(own.apcer)} ${pct(own.bpcer)}`}`,
    );
  }
  print('  (shipped operating point: thresholds that hold for every attack species together)');
  for (const d of domains) {
    if (d.ownThreshold === null) continue;
    const r = d.ownThreshold.pooled;
    print(
      `${(domainNames[d.domain] ?? d.domain).padEnd(40)} at a threshold set on its own training groups' ${d.domain} only: APCER ${pct(r.apcer)}  BPCER ${pct(r.bpcer)}  worst/median APCER ${spreadText(d.ownThreshold.apcerFolds)}  BPCER ${spreadText(d.ownThreshold.bpcerFolds)}`,
    );
  }
}

export function printPolicyTable(rows: readonly PolicyRow[], print: (line: string) => void): void {
  print('');
  print('KIOSK POLICIES, out of sample: share of real people refused and attacks accepted');
  print(
    `${'policy'.padEnd(22)} ${'domain'.padEnd(11)} real refused  real asked  attack accepted  attack asked`,
  );
  for (const r of rows) {
    print(
      `${r.policy.padEnd(22)} ${r.domain.padEnd(11)} ${pct(r.realsRefused).padStart(12)} ${pct(r.realsAsked).padStart(11)} ${pct(r.attacksAccepted).padStart(16)} ${pct(r.attacksAsked).padStart(13)}`,
    );
  }
  print(
    '  refused/accepted count what passive evidence decides alone; "asked" go to the randomised challenge,',
  );
  print(
    '  which a live shopper answers and a print or replayed clip does not (measured by eval:liveness, not here).',
  );
}

export interface FinalFit {
  readonly features: FeatureSet;
  readonly fit: FittedPad;
  /** The final model on the presentations it was fitted to, at the final operating point. */
  readonly inSample: ReadonlyMap<string, Rates>;
}

/** Fits the chosen candidate on every group, and its in-sample rates (for the record only). */
export function fitFinal(data: PadProtocolData, final: CandidateChoice): FinalFit {
  assert(final.candidate.classifier !== 'stumps', 'a model file holds a linear model, not stumps');
  const features = padFeatureSets.find((f) => f.key === final.candidate.features);
  assert(features !== undefined, 'the chosen candidate has a feature set');
  const fit = fitPad(data.samples, data.table, final.candidate, padCvOptions.iterations);
  const rows = data.table.get(features.key);
  assert(rows !== undefined, 'features of the chosen set');
  const inSample = new Map<string, Rates>();
  for (const domain of new Set(data.samples.map((s) => s.domain))) {
    const scored = data.samples
      .filter((s) => s.domain === domain)
      .map((sample) => {
        const x = rows[sample.index];
        return {
          sample,
          score: x === null || x === undefined ? null : scorePad(fit, x),
          point: final.point,
        };
      });
    inSample.set(domain, ratesOf(scored));
  }
  return { features, fit, inSample };
}

/** All domains pooled, each presentation at its own fold's shipped operating point. */
export function pooledOutOfSample(folds: readonly OuterFoldResult[]): Rates {
  return ratesOf(folds.flatMap((f) => f.scored));
}

/** The shipped detector on the corpus it was trained on: in-sample, per domain, for the record. */
export async function scoreShippedInSample(
  detector: PassiveTextureDetector,
  data: PadProtocolData,
  paths: { dataRoot: string; cacheDir: string },
): Promise<Map<string, Rates>> {
  const corpus = new PadCorpus({ ...paths, engine: () => createFaceEngine() });
  try {
    const sources = data.samples.map((s) => s.source);
    await corpus.detectAll(sources);
    const point = { threshold: detector.threshold, refuseBelow: detector.refuseBelow };
    const byDomain = new Map<string, (ScoredSample & { point: OperatingPoint })[]>();
    for (const sample of data.samples) {
      const crop = await corpus.crop(sample.source, detector.cropScale);
      const score = crop === null ? null : detector.score(crop).score;
      const list = byDomain.get(sample.domain) ?? [];
      list.push({ sample, score, point });
      byDomain.set(sample.domain, list);
    }
    return new Map([...byDomain].map(([domain, scored]) => [domain, ratesOf(scored)]));
  } finally {
    corpus.dispose();
  }
}
