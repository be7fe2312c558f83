// Bundles the Electron main process (ESM, dependencies left to node_modules, which electron-builder
// packs) and the sandboxed preload (one CommonJS file: a sandboxed preload can require only 'electron').
// `npm run build` runs this, then Vite for the renderer. esbuild (Vite's and tsx's own, 0.28) rather than
// Vite library mode: two entries with different formats are two calls here, each well under a second.
import { build, type Metafile } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(import.meta.dirname, '..');

export interface ShellBuild {
  readonly mainFile: string;
  readonly preloadFile: string;
  /** Bare imports the main bundle leaves to node_modules (electron and Node built-ins included). */
  readonly mainExternals: readonly string[];
  readonly preloadExternals: readonly string[];
}

/** Builds into outDir/main/main.js and outDir/preload/preload.cjs; outDir is dist/ for the app. */
export async function buildElectronShell(options: { outDir: string }): Promise<ShellBuild> {
  const mainFile = path.join(options.outDir, 'main', 'main.js');
  const preloadFile = path.join(options.outDir, 'preload', 'preload.cjs');
  const [main, preload] = await Promise.all([
    build({
      entryPoints: [path.join(repoRoot, 'src/main/electron/main.electron.ts')],
      outfile: mainFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      // Electron 45's Node; the bundle is loaded by Electron, never by the Node that builds it.
      target: 'node22',
      // electron, Node built-ins and every npm dependency stay imports: packaged from node_modules.
      packages: 'external',
      sourcemap: true,
      metafile: true,
      logLevel: 'warning',
    }),
    build({
      entryPoints: [path.join(repoRoot, 'src/preload/preload.ts')],
      outfile: preloadFile,
      bundle: true,
      // A sandboxed preload has no Node: a built-in import fails the build here, not at start-up.
      platform: 'browser',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
      sourcemap: true,
      metafile: true,
      logLevel: 'warning',
    }),
  ]);
  const result = {
    mainFile,
    preloadFile,
    mainExternals: externalImports(main.metafile, mainFile),
    preloadExternals: externalImports(preload.metafile, preloadFile),
  };
  const stray = result.preloadExternals.filter((name) => name !== 'electron');
  if (stray.length > 0)
    throw new Error(`the preload must bundle everything but electron: ${stray}`);
  return result;
}

function externalImports(metafile: Metafile, outfile: string): string[] {
  const key = path.relative(process.cwd(), outfile).split(path.sep).join('/');
  const output = metafile.outputs[key];
  if (output === undefined) throw new Error(`esbuild wrote no ${key}`);
  const names = output.imports.filter((entry) => entry.external).map((entry) => entry.path);
  return [...new Set(names)].sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = path.join(repoRoot, 'dist');
  await Promise.all(
    ['main', 'preload'].map((dir) => rm(path.join(outDir, dir), { recursive: true, force: true })),
  );
  const built = await buildElectronShell({ outDir });
  process.stdout.write(
    `built ${path.relative(repoRoot, built.mainFile)} (imports ${built.mainExternals.join(', ')})\n` +
      `built ${path.relative(repoRoot, built.preloadFile)} (imports ${built.preloadExternals.join(', ')})\n`,
  );
}
