// eval:pad --hold-out-species: a species held out is absent from training, and so are the people and
// cameras that show it (their other attacks are left out, their live faces scored); the row's count.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPadCorpus } from '../../src/biometrics/liveness/pad-corpus.node.ts';
import type { OperatingPoint } from '../../src/biometrics/liveness/pad-cv.ts';
import type {
  SpeciesFold,
  SpeciesFoldResult,
  SpeciesLevel,
  SpeciesSample,
} from '../../scripts/eval-pad/held-out-species.ts';
import type { ShownPresentation } from './pad-fold-fixture.ts';
import { outerFold } from './pad-fold-fixture.ts';
import {
  formatSpeciesTable,
  runSpeciesProtocol,
  speciesFolds,
  speciesOf,
  speciesPassing,
  speciesRows,
} from '../../scripts/eval-pad/held-out-species.ts';

const dataRoot = path.resolve(import.meta.dirname, '../../../shared/data');

function sample(group: string, species: string | null, index: number): SpeciesSample {
  const domain = group.split(':')[0] ?? group;
  return { group, domain, live: species === null, index, source: { species } };
}

// Two NUAA-like people with prints, one without; Silent-Face's print and screen in one group; two
// cameras each with one replay label; a live-only recording.
const corpus: SpeciesSample[] = [
  ['nuaa:A', null],
  ['nuaa:A', 'print'],
  ['nuaa:B', null],
  ['nuaa:B', 'print'],
  ['nuaa:C', null],
  ['silentface', null],
  ['silentface', 'print'],
  ['silentface', 'screen'],
  ['pad:X', null],
  ['pad:X', 'phone-replay'],
  ['pad:Y', null],
  ['pad:Y', 'replay'],
  ['video:V', null],
].map(([group, species], index) => sample(group ?? '', species ?? null, index));

const groupsOf = (part: readonly SpeciesSample[]): string[] =>
  [...new Set(part.map((s) => s.group))].sort();

/** What every fold must keep, checked from outside the module's own assertions. */
function expectDisjoint(
  all: readonly SpeciesSample[],
  fold: SpeciesFold<SpeciesSample>,
  level: SpeciesLevel,
) {
  const trainGroups = new Set(fold.train.map((s) => s.group));
  expect([...fold.test, ...fold.dropped].filter((s) => trainGroups.has(s.group))).toEqual([]);
  expect(fold.train.filter((s) => speciesOf(s, level) === fold.species)).toEqual([]);
  expect(fold.test.filter((s) => !s.live && speciesOf(s, level) !== fold.species)).toEqual([]);
  // Every attack of the species is scored, and every live face of its groups.
  expect(fold.test.filter((s) => !s.live)).toEqual(
    all.filter((s) => speciesOf(s, level) === fold.species),
  );
  expect(fold.test.filter((s) => s.live)).toEqual(
    all.filter((s) => s.live && fold.testGroups.includes(s.group)),
  );
}

describe('eval:pad leave-one-attack-species-out split', () => {
  it('holds out each label with the groups that show it; their other attacks are left out', () => {
    const folds = speciesFolds(corpus, 'label');
    expect(folds.map((f) => f.species)).toEqual(['phone-replay', 'print', 'replay', 'screen']);
    const print = folds[1];
    expect(print?.testGroups).toEqual(['nuaa:A', 'nuaa:B', 'silentface']);
    expect(groupsOf(print?.train ?? [])).toEqual(['nuaa:C', 'pad:X', 'pad:Y', 'video:V']);
    expect(print?.dropped.map((s) => s.source.species)).toEqual(['screen']);
    expect(print?.test.filter((s) => s.live).map((s) => s.group)).toEqual([
      'nuaa:A',
      'nuaa:B',
      'silentface',
    ]);
    for (const fold of folds) expectDisjoint(corpus, fold, 'label');
  });

  it('by instrument, every video replay label is held out together', () => {
    const folds = speciesFolds(corpus, 'family');
    expect(folds.map((f) => f.species)).toEqual(['print', 'screen-photo', 'video-replay']);
    expect(folds[2]?.testGroups).toEqual(['pad:X', 'pad:Y']);
    expect(folds[2]?.train.some((s) => s.group.startsWith('pad:'))).toBe(false);
    for (const fold of folds) expectDisjoint(corpus, fold, 'family');
  });

  it("on shared/data's corpus: no species and no person or camera on both sides", async () => {
    const listed = await listPadCorpus(dataRoot);
    const samples = listed.map((source, index) => ({ ...source, index, source }));
    for (const level of ['label', 'family'] as const) {
      const folds = speciesFolds(samples, level);
      expect(folds.length).toBeGreaterThanOrEqual(3);
      for (const fold of folds) expectDisjoint(samples, fold, level);
    }
    const print = speciesFolds(samples, 'label').find((f) => f.species === 'print');
    // The NUAA person with no print attack is another person: the print fold still trains on them.
    expect(print?.testGroups.filter((g) => g.startsWith('pad:'))).toEqual([]);
    expect(groupsOf(print?.train ?? []).filter((g) => g.startsWith('nuaa:'))).toEqual([
      'nuaa:0013',
    ]);
  });

  it('a species the model never saw passes, though each is refused once seen', () => {
    // Two cues: one that only prints lack, one that only replays lack. A model fitted on one species
    // learns only its cue; had the held-out species leaked into training, it would be refused.
    const cue = (s: SpeciesSample, species: string): number =>
      (s.source.species === species ? -1 : 1) + (s.index % 7) * 0.01;
    const table = new Map([
      ['f', corpusForFit.map((s) => Float64Array.of(cue(s, 'print'), cue(s, 'replay')))],
    ]);
    const results = runSpeciesProtocol({
      samples: corpusForFit,
      table,
      candidates: [{ name: 'f l2=0.03', features: 'f', l2: 0.03 }],
      cv: { innerFolds: 3, iterations: 60, targets: { apcerMax: 0.05, refuseBpcerMax: 0.02 } },
      level: 'label',
    });
    const rows = speciesRows(results);
    expect(rows.map((r) => [r.species, r.groups, r.rates.attacks, r.rates.apcer])).toEqual([
      ['print', 4, 12, 1],
      ['replay', 3, 9, 1],
    ]);
    expect(speciesPassing(rows, 0.05)).toEqual(['print', 'replay']);
  });
});

// Four people with prints and two cameras with replays, three frames of each class.
const corpusForFit: SpeciesSample[] = [
  ...['p1', 'p2', 'p3', 'p4'].map((g) => [`nuaa:${g}`, 'print'] as const),
  ...['c1', 'c2', 'c3'].map((g) => [`pad:${g}`, 'replay'] as const),
].flatMap(([group, species], g) =>
  [0, 1, 2].flatMap((k) => [
    sample(group, null, 6 * g + 2 * k),
    sample(group, species, 6 * g + 2 * k + 1),
  ]),
);

const result = (
  species: string,
  point: OperatingPoint,
  shown: readonly ShownPresentation[],
): SpeciesFoldResult => ({
  ...outerFold([...new Set(shown.map((s) => s.group ?? ''))], point, shown),
  species,
  dropped: 0,
});

describe('eval:pad held-out species rows', () => {
  const point: OperatingPoint = { threshold: 0.8, refuseBelow: 0.2 };
  // 20 attacks each: one accepted is 5% (not more), two is 10%.
  const attacks = (group: string, accepted: number) =>
    Array.from({ length: 20 }, (_, k) => ({
      group,
      domain: 'pad',
      live: false,
      score: k < accepted ? 0.9 : k < 10 ? 0.5 : 0.1,
    }));
  const rows = speciesRows([
    result('at-five', point, [
      ...attacks('pad:A', 1),
      { group: 'pad:A', domain: 'pad', live: true, score: 0.9 },
    ]),
    result('over-five', point, [
      ...attacks('pad:B', 2),
      ...attacks('pad:C', 0),
      { group: 'pad:B', domain: 'pad', live: true, score: 0.5 },
      { group: 'pad:C', domain: 'pad', live: true, score: null },
    ]),
  ]);

  it('splits attacks into accepted, abstain and refused, and counts the groups that accept', () => {
    expect(rows[1]?.rates).toMatchObject({
      attacks: 40,
      apcer: 0.05,
      attacksUncertain: 0.45,
      reals: 2,
      bpcer: 1,
      bpcerRefused: 0.5,
    });
    expect(rows.map((r) => [r.groups, r.groupsAccepting])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('counts species accepted at more than 5%, per species not per presentation', () => {
    const byFold = speciesRows([result('over-five', point, attacks('pad:B', 2))]);
    expect(speciesPassing(byFold, 0.05)).toEqual(['over-five']);
    expect(speciesPassing(rows, 0.05)).toEqual([]);
    const text = formatSpeciesTable(byFold, { level: 'label', apcerMax: 0.05 }).join('\n');
    expect(text).toContain('species whose attacks pass at more than 5%: 1 of 1 (over-five)');
    expect(text).toMatch(/over-five\s+1\s+1\s+0\s+20\s+0\s+10\.0%\s+40\.0%\s+50\.0%/);
  });
});
