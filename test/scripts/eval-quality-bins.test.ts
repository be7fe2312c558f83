// The eval:quality command line on a small temporary data root (real photos of twelve people and one picture
// with no face), run as a child process: its JSON fields, and bins that partition the pairs they count.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const facesDir = path.resolve(repoRoot, '../shared/data/faces');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
const thresholdsFile = path.join(repoRoot, 'models/thresholds.json');

const people: Record<string, string[]> = {
  nuaa: ['0001', '0003', '0005', '0007', '0009', '0011'].map((n) => `nuaa_client_${n}`),
  orl: ['01', '02', '03', '04', '05', '06'].map((n) => `orl_s${n}`),
};

function pairsCsv(): { text: string; genuine: number; impostor: number } {
  const rows = ['img_a,img_b,label,subset'];
  let genuine = 0;
  let impostor = 0;
  for (const [subset, ids] of Object.entries(people)) {
    for (const [i, a] of ids.entries()) {
      rows.push(`${a}/1.jpg,${a}/2.jpg,1,${subset}`);
      genuine += 1;
      for (const b of ids.slice(i + 1)) {
        rows.push(`${a}/1.jpg,${b}/2.jpg,0,${subset}`);
        impostor += 1;
      }
    }
  }
  // A genuine pair whose probe has no face: the failed-to-acquire bin, a non-match.
  rows.push('nuaa_client_0001/1.jpg,wall_0001/1.jpg,1,nuaa');
  genuine += 1;
  return { text: `${rows.join('\n')}\n`, genuine, impostor };
}

interface Rates {
  genuinePairs: number;
  impostorPairs: number;
  comparedImpostors: number;
  failedToAcquire: number;
  falseNonMatches: number;
  falseMatches: number;
  fnmr: number | null;
  fmr: number | null;
  fmrWorstFold: number | null;
  impostorScores: { count: number; p99: number | null; p999: number | null; max: number | null };
}

type ByMeasure = Record<string, Record<string, Rates>>;

interface Report {
  modelId: string;
  shippedThreshold: number;
  pairs: Record<string, { genuine: number; impostor: number }>;
  specs: { measure: string; cuts: number[] }[];
  outOfSample: {
    originals: ByMeasure;
    all: ByMeasure;
    byVariant: Record<string, Rates>;
    byCondition: Record<string, ByMeasure>;
  };
  atShippedThreshold: { originals: ByMeasure; byVariant: Record<string, Rates> };
  fit: {
    before: { bins: Record<string, Rates> };
    after: { bins: Record<string, Rates> };
    beforeByVariant: Record<string, Rates>;
    afterByVariant: Record<string, Rates>;
  };
}

function total(bins: Record<string, Rates>, pick: (rates: Rates) => number): number {
  return Object.values(bins).reduce((sum, rates) => sum + pick(rates), 0);
}

function sumOver(rates: Record<string, Rates>): Pick<Rates, 'genuinePairs' | 'impostorPairs'> {
  return {
    genuinePairs: total(rates, (r) => r.genuinePairs),
    impostorPairs: total(rates, (r) => r.impostorPairs),
  };
}

describe('eval-quality-bins CLI', () => {
  let dir: string;
  let report: Report;
  let stdout: string;
  const expected = pairsCsv();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eval-quality-'));
    const root = path.join(dir, 'faces');
    for (const id of Object.values(people).flat()) {
      await mkdir(path.join(root, id), { recursive: true });
      for (const n of [1, 2])
        await copyFile(path.join(facesDir, id, `${n}.jpg`), path.join(root, id, `${n}.jpg`));
    }
    await mkdir(path.join(root, 'wall_0001'));
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#8a7f70' } })
      .jpeg()
      .toFile(path.join(root, 'wall_0001/1.jpg'));
    await writeFile(path.join(root, 'pairs.csv'), expected.text);
    const json = path.join(dir, 'report.json');
    const args = [
      'scripts/eval-quality-bins.ts',
      ...['--root', root, '--json', json, '--folds', '3', '--repeats', '1'],
      ...[
        '--copies',
        'w42',
        '--copies-dir',
        path.join(dir, 'copies'),
        '--no-cache',
        '--fit',
        'faceWidth',
      ],
    ];
    ({ stdout } = await run(tsx, args, { cwd: repoRoot }));
    report = JSON.parse(await readFile(json, 'utf8')) as Report;
  }, 240_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the model, the shipped threshold, every measure and the out-of-sample section first', async () => {
    const calibrated = JSON.parse(await readFile(thresholdsFile, 'utf8')) as {
      threshold: number;
      modelId: string;
    };
    expect(Object.keys(report).sort()).toEqual([
      'atShippedThreshold',
      'backend',
      'fit',
      'modelId',
      'outOfSample',
      'pairs',
      'protocol',
      'shippedThreshold',
      'specs',
      'targetFmr',
    ]);
    expect(report.modelId).toBe(calibrated.modelId);
    expect(report.shippedThreshold).toBe(calibrated.threshold);
    expect(report.specs.map((spec) => spec.measure)).toEqual([
      'faceWidth',
      'eyeDistance',
      'sharpness',
      'luma',
    ]);
    expect(Object.keys(report.outOfSample.byVariant).sort()).toEqual(['original', 'w42']);
    expect(Object.keys(report.outOfSample.byCondition).sort()).toEqual(['nuaa', 'orl']);
    expect(stdout.indexOf('OUT OF SAMPLE')).toBeLessThan(stdout.indexOf('IN SAMPLE'));
    for (const rates of Object.values(report.outOfSample.originals['faceWidth'] ?? {})) {
      expect(Object.keys(rates).sort()).toEqual([
        'comparedImpostors',
        'failedToAcquire',
        'falseMatches',
        'falseNonMatches',
        'fmr',
        'fmrWorstFold',
        'fnmr',
        'genuinePairs',
        'impostorPairs',
        'impostorScores',
      ]);
    }
  });

  it("bins of every measure partition the variant's tests, and the shipped threshold sees each pair once", () => {
    const original = report.outOfSample.byVariant['original'];
    expect(original?.genuinePairs).toBeGreaterThan(0);
    expect(original?.impostorPairs).toBeGreaterThan(0);
    const everyVariant = sumOver(report.outOfSample.byVariant);
    for (const spec of report.specs) {
      const bins = report.outOfSample.originals[spec.measure] ?? {};
      expect(Object.keys(bins)).toHaveLength(spec.cuts.length + 2);
      expect(sumOver(bins)).toEqual({
        genuinePairs: original?.genuinePairs,
        impostorPairs: original?.impostorPairs,
      });
      expect(sumOver(report.outOfSample.all[spec.measure] ?? {})).toEqual(everyVariant);
      const perCondition = Object.values(report.outOfSample.byCondition).map((measures) =>
        sumOver(measures[spec.measure] ?? {}),
      );
      expect(perCondition.reduce((a, b) => a + b.genuinePairs, 0)).toBe(original?.genuinePairs);
      expect(perCondition.reduce((a, b) => a + b.impostorPairs, 0)).toBe(original?.impostorPairs);
      expect(sumOver(report.atShippedThreshold.originals[spec.measure] ?? {})).toEqual({
        genuinePairs: expected.genuine,
        impostorPairs: expected.impostor,
      });
      // The face-less probe's genuine pair, and only it, in the failed bin: a non-match.
      expect(
        report.atShippedThreshold.originals[spec.measure]?.['failed to acquire'],
      ).toMatchObject({ genuinePairs: 1, impostorPairs: 0, falseNonMatches: 1 });
    }
    expect(report.pairs['original']).toEqual({
      genuine: original?.genuinePairs,
      impostor: original?.impostorPairs,
    });
  });

  it('step 2 scores the same tests before and after the per-bin threshold', () => {
    expect(sumOver(report.fit.before.bins)).toEqual(sumOver(report.fit.beforeByVariant));
    expect(sumOver(report.fit.after.bins)).toEqual(sumOver(report.fit.afterByVariant));
    for (const [variant, rates] of Object.entries(report.fit.beforeByVariant)) {
      expect(report.fit.afterByVariant[variant]?.genuinePairs).toBe(rates.genuinePairs);
    }
  });
});
