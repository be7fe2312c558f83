// Builds the kiosk renderer (React UI and the face worker) into dist/renderer for Electron and the web
// shell; models and tfjs's .wasm files are served beside it at /models/ and /wasm/, not bundled.
import path from 'node:path';
import type { UserConfig } from 'vite';
import { defineConfig } from 'vite';

const rendererDir = import.meta.dirname;
export const repoRoot = path.resolve(rendererDir, '..', '..');

export function rendererBuildConfig(outDir: string): UserConfig {
  return {
    root: rendererDir,
    base: '/',
    logLevel: 'warn',
    clearScreen: false,
    publicDir: false,
    esbuild: { jsx: 'automatic' },
    worker: { format: 'es' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      chunkSizeWarningLimit: 4096,
      // No inline data: URLs, so the CSP needs no data: for scripts or workers.
      assetsInlineLimit: 0,
    },
  };
}

export default defineConfig(rendererBuildConfig(path.join(repoRoot, 'dist', 'renderer')));
