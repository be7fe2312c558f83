// Builds the renderer with Vite's API into a folder (dist/renderer by default) when it is missing, out of
// date with its sources, or asked for; the web shell, the demo, bench:e2e and the e2e tests serve it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'vite';
import { repoRoot, rendererBuildConfig } from '../../src/renderer/vite.config.ts';

/**
 * What a renderer build is made from: its own sources, the shared and biometrics modules it imports (all
 * of them, to be safe), and the locked dependencies. A change to any of them makes a build out of date.
 */
export const rendererInputs: readonly string[] = [
  'src/renderer',
  'src/shared',
  'src/biometrics',
  'package-lock.json',
].map((input) => path.join(repoRoot, input));

export async function buildRenderer(outDir: string): Promise<string> {
  await build({ ...rendererBuildConfig(outDir), configFile: false, logLevel: 'error' });
  if (!existsSync(path.join(outDir, 'index.html')))
    throw new Error(`vite wrote no index.html to ${outDir}`);
  return outDir;
}

/** Every file under `inputs` (files or folders), as sorted absolute paths. */
async function filesUnder(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) continue;
    const entries = await readdir(input, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOTDIR') return null;
        throw error;
      },
    );
    if (entries === null) files.push(input);
    else
      for (const entry of entries)
        if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
  }
  return files.sort();
}

/** SHA-256 over the path (relative to the repository) and bytes of every file under `inputs`. */
export async function inputsFingerprint(inputs: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await filesUnder(inputs)) {
    const bytes = await readFile(file);
    hash.update(`${path.relative(repoRoot, file)}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

/**
 * The build in `outDir`, made again when its inputs changed since it was made (a `git pull` must not
 * leave `npm start` serving yesterday's screens). The fingerprint of the inputs it was built from is
 * kept beside the folder (`<outDir>.inputs-sha256`), not in it, so the web shell never serves it.
 */
export async function ensureRenderer(
  outDir: string,
  inputs: readonly string[] = rendererInputs,
): Promise<string> {
  const stampFile = `${outDir}.inputs-sha256`;
  const fingerprint = await inputsFingerprint(inputs);
  const builtFrom = await readFile(stampFile, 'utf8').catch(() => null);
  if (existsSync(path.join(outDir, 'index.html')) && builtFrom === fingerprint) return outDir;
  await buildRenderer(outDir);
  // Taken before the build: sources edited during it leave the stamp behind them, so the next run builds.
  await writeFile(stampFile, fingerprint);
  return outDir;
}
