// Where the packaged kiosk finds its parts (renderer, preload, models, tfjs .wasm) relative to the main
// bundle, and which config file it runs with; pure so tests check them without starting Electron.
import path from 'node:path';
import type { AppMount } from './app-files.ts';

export interface AppLayout {
  /** The folder holding package.json: the repository in development, app.asar when packaged. */
  readonly appRoot: string;
  readonly preloadFile: string;
  /** URL prefixes of app://kiosk and the folders behind them. */
  readonly mounts: readonly AppMount[];
}

/**
 * The main bundle is dist/main/main.js, so the app root is two folders up. Models and the .wasm are
 * served from where electron-builder packs them (models/**, the production dependency
 * @tensorflow/tfjs-backend-wasm), not copied into dist/renderer a second time.
 */
export function appLayout(mainBundleDir: string): AppLayout {
  const appRoot = path.resolve(mainBundleDir, '..', '..');
  const dist = path.join(appRoot, 'dist');
  return {
    appRoot,
    preloadFile: path.join(dist, 'preload', 'preload.cjs'),
    mounts: kioskMounts({
      rendererDir: path.join(dist, 'renderer'),
      modelsDir: path.join(appRoot, 'models'),
      wasmDir: path.join(appRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
    }),
  };
}

/** What the renderer loads, for Electron's app scheme and the web shell alike: itself, models, .wasm. */
export function kioskMounts(dirs: {
  rendererDir: string;
  modelsDir: string;
  wasmDir: string;
}): readonly AppMount[] {
  return [
    { urlPrefix: '/', dir: dirs.rendererDir },
    { urlPrefix: '/models/', dir: dirs.modelsDir, extensions: ['.json', '.bin'] },
    { urlPrefix: '/wasm/', dir: dirs.wasmDir, extensions: ['.wasm'] },
  ];
}

export const kioskConfigEnv = 'FACEPAY_KIOSK_CONFIG';

/** `--config FILE` or `--config=FILE` on the command line, else FACEPAY_KIOSK_CONFIG; null when neither. */
export function kioskConfigPath(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--config') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) throw new Error('--config needs a file');
      return value;
    }
    if (arg?.startsWith('--config=') === true) {
      const value = arg.slice('--config='.length);
      if (value.length === 0) throw new Error('--config needs a file');
      return value;
    }
  }
  const fromEnv = env[kioskConfigEnv];
  return fromEnv === undefined || fromEnv.length === 0 ? null : fromEnv;
}
