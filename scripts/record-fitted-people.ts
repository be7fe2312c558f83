// `npx tsx scripts/record-fitted-people.ts [--thresholds models/thresholds.json] [--check]`: adds to a
// calibration record written before `calibrate` listed them the people its threshold was fitted on
// (dataset.fittedPeople, fitted-people.ts), without re-running the calibration. The people come from the
// pairs files the record names; the record is changed only when those files and their images are the
// ones it was calibrated on (each pairs file's sha256, the pair and image counts, and the sha256 of every
// image as calibrate hashed them), so a changed data folder is refused rather than guessed at.
// --check: writes nothing, exits 1 when the record lacks the people or lists others.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sha256Hex } from '../src/biometrics/calibration/acquire.node.ts';
import { loadPairs } from '../src/biometrics/calibration/datasets.node.ts';
import { fittedPeopleOf } from '../src/biometrics/calibration/fitted-people.ts';
import { pairImages } from '../src/biometrics/calibration/pairs.ts';
import { parseThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      thresholds: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
      data: { type: 'string', default: dataRoot },
      check: { type: 'boolean', default: false },
    },
  });
  const text = await readFile(values.thresholds, 'utf8');
  const record = parseThresholdsFile(text);
  const roots = record.dataset.sources.map((source) => path.join(values.data, source.name));
  const loaded = await loadPairs(roots);
  for (const [index, source] of record.dataset.sources.entries()) {
    const found = loaded.sources[index];
    if (found?.pairsSha256 !== source.pairsSha256)
      throw new Error(`${source.name}/pairs.csv is not the one calibrated on (sha256 differs)`);
  }
  const images = pairImages(loaded.pairs);
  if (loaded.pairs.length !== record.dataset.pairs || images.length !== record.dataset.images)
    throw new Error('pair or image count differs from the calibration record');
  const lines: string[] = [];
  for (const image of images) {
    lines.push(`${sha256Hex(await readFile(path.join(loaded.base, image)))}  ${image}\n`);
  }
  if (sha256Hex(lines.join('')) !== record.dataset.imagesSha256)
    throw new Error('the images differ from those calibrated on (imagesSha256)');
  const people = fittedPeopleOf(images);
  const listed = record.dataset.fittedPeople;
  const same = listed !== undefined && listed.join('\n') === people.join('\n');
  if (values.check) {
    console.log(
      same
        ? `${values.thresholds}: lists the ${people.length} fitted people`
        : `${values.thresholds}: fittedPeople missing or different`,
    );
    return same ? 0 : 1;
  }
  // Edited as written (JSON keeps its key order; the parsed record has the schema's), fittedPeople last in
  // dataset, where calibrate writes it; checked again before it is written.
  const raw = JSON.parse(text) as { dataset: Record<string, unknown> };
  raw.dataset = { ...raw.dataset, fittedPeople: people };
  const updated = `${JSON.stringify(raw, null, 2)}\n`;
  parseThresholdsFile(updated);
  await writeFile(values.thresholds, updated);
  console.log(`${values.thresholds}: ${people.length} fitted people recorded`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
