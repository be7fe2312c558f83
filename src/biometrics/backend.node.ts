// Loads face-api with the fastest tfjs backend this Node process can run: the native tfjs-node when it
// is installed (it is optional), else WebAssembly, and says which one ran; an unusable one is a startup error.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as FaceApi from '@vladmandic/face-api';
import { EngineStartupError } from './errors.ts';
import { assertSharedEngine } from './faceapi-bridge.ts';

export type BackendName = 'tensorflow' | 'wasm';

export interface FaceApiRuntime {
  faceapi: typeof FaceApi;
  backend: BackendName;
  /** Why a faster backend was not used, for the start-up log. */
  fallbackReason: string | null;
}

const require = createRequire(import.meta.url);
let runtime: Promise<FaceApiRuntime> | null = null;

/** One runtime per process: tfjs keeps global state, so the backend is chosen once. */
export function loadFaceApiRuntime(
  options: { allowNative?: boolean } = {},
): Promise<FaceApiRuntime> {
  runtime ??= chooseRuntime(options.allowNative ?? true);
  return runtime;
}

async function chooseRuntime(allowNative: boolean): Promise<FaceApiRuntime> {
  let fallbackReason = 'native backend disabled';
  if (allowNative) {
    try {
      return await loadNative();
    } catch (error) {
      fallbackReason = `@tensorflow/tfjs-node not usable: ${firstLine(error)}`;
    }
  }
  return { ...(await loadWasm()), fallbackReason };
}

async function loadNative(): Promise<FaceApiRuntime> {
  const faceapi = require('@vladmandic/face-api/dist/face-api.node.js') as typeof FaceApi;
  assertSharedEngine(faceapi, tf.engine());
  await activate('tensorflow');
  return { faceapi, backend: 'tensorflow', fallbackReason: null };
}

async function loadWasm(): Promise<Omit<FaceApiRuntime, 'fallbackReason'>> {
  let faceapi: typeof FaceApi;
  let wasm: { setWasmPaths: (prefix: string) => void };
  try {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof FaceApi;
    wasm = require('@tensorflow/tfjs-backend-wasm') as typeof wasm;
  } catch (error) {
    throw new EngineStartupError(
      'backend_unavailable',
      `cannot load face-api's wasm build: ${firstLine(error)}`,
      {
        cause: error,
      },
    );
  }
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  if (!existsSync(path.join(wasmDir, 'tfjs-backend-wasm.wasm'))) {
    throw new EngineStartupError('backend_unavailable', `no tfjs-backend-wasm.wasm in ${wasmDir}`);
  }
  assertSharedEngine(faceapi, tf.engine());
  wasm.setWasmPaths(`${wasmDir}${path.sep}`);
  await activate('wasm');
  return { faceapi, backend: 'wasm' };
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new EngineStartupError('backend_unavailable', `tfjs backend ${name} did not initialise`);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
