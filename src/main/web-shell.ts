// The web shell: the kiosk service plus the built renderer on 127.0.0.1, so plain Chromium (tests, or a
// Chromium kiosk `--kiosk --app=URL`) runs the same renderer Electron does, over the kiosk API WebSocket.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { kioskMounts } from './electron/launch.ts';
import type { KioskHttpServer } from './kiosk-http.ts';
import { startKioskHttp } from './kiosk-http.ts';
import type { KioskConfig } from './kiosk-config.ts';
import type { KioskRuntime } from './kiosk-runtime.ts';
import { startKioskRuntime } from './kiosk-runtime.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const defaultRendererDir = path.join(repoRoot, 'dist', 'renderer');
export const defaultModelsDir = path.join(repoRoot, 'models');
export const tfjsWasmDir = path.dirname(
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'),
);

export interface WebShell {
  url: string;
  runtime: KioskRuntime;
  close(): Promise<void>;
}

export async function startWebShell(options: {
  config: KioskConfig;
  port: number;
  rendererDir?: string;
  modelsDir?: string;
  /** Enrolment mode: the photo-vs-live calibration (default models/photo-vs-live.json). */
  photoVsLiveFile?: string;
}): Promise<WebShell> {
  const rendererDir = options.rendererDir ?? defaultRendererDir;
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`no built renderer in ${rendererDir}: run \`npm run build\` first`);
  }
  const runtime = await startKioskRuntime({
    config: options.config,
    photoVsLiveFile:
      options.photoVsLiveFile ??
      path.join(options.modelsDir ?? defaultModelsDir, 'photo-vs-live.json'),
  });
  let http: KioskHttpServer;
  try {
    http = await startKioskHttp({
      runtime,
      port: options.port,
      renderer: {
        mounts: kioskMounts({
          rendererDir,
          modelsDir: options.modelsDir ?? defaultModelsDir,
          wasmDir: tfjsWasmDir,
        }),
      },
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    url: http.url,
    runtime,
    close: async () => {
      await http.close();
      await runtime.close();
    },
  };
}
