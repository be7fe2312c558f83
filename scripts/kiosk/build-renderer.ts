// Builds the renderer with Vite's API into a folder (dist/renderer by default) when it is missing or
// asked for; the web shell, the demo, bench:e2e and the e2e tests serve what it writes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { rendererBuildConfig } from '../../src/renderer/vite.config.ts';

export async function buildRenderer(outDir: string): Promise<string> {
  await build({ ...rendererBuildConfig(outDir), configFile: false, logLevel: 'error' });
  if (!existsSync(path.join(outDir, 'index.html')))
    throw new Error(`vite wrote no index.html to ${outDir}`);
  return outDir;
}

export async function ensureRenderer(outDir: string): Promise<string> {
  if (existsSync(path.join(outDir, 'index.html'))) return outDir;
  return buildRenderer(outDir);
}
