// Loads face-api's browser build on this page's one tfjs-core and picks the fastest backend the page
// can run, WebGL on a GPU then WebAssembly, saying which one ran and why WebGL did not.

import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type * as FaceApi from '@vladmandic/face-api';
// The no-bundle build imports tfjs from the page's own packages instead of carrying a second copy.
import * as faceapiBrowser from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import { EngineStartupError } from './errors.ts';
import { assertSharedEngine } from './faceapi-bridge.ts';
import { pageBaseUrl } from './page-url.dom.ts';
import { useWorkerEnvironment } from './faceapi-worker-env.dom.ts';

export type BrowserBackendName = 'webgl' | 'wasm';

export interface BrowserFaceApiRuntime {
  faceapi: typeof FaceApi;
  backend: BrowserBackendName;
  /** Why WebGL was not used, for the start-up log; null when it ran. */
  fallbackReason: string | null;
  /** The GPU (or software renderer, e.g. SwiftShader) WebGL ran on; null when it did not run. */
  webglRenderer: string | null;
}

/** Which WebGL the engine may use: software rasterisers run it several times slower than wasm on the same CPU. */
export type WebglPolicy = 'hardware' | 'any' | 'off';

export interface BrowserBackendOptions {
  /** Folder URL holding tfjs-backend-wasm's .wasm files; it must end with '/'. */
  wasmBaseUrl: string;
  /**
   * Default 'hardware': WebGL on a GPU, else wasm. Measured in headless Chromium on 2 cores: SwiftShader
   * WebGL takes 1.8-2.4 s a frame against 0.1-0.15 s for wasm, and ~20 s compiling shaders on the first.
   */
  webgl?: WebglPolicy;
}

let runtime: { key: string; loading: Promise<BrowserFaceApiRuntime> } | null = null;

/** One runtime per page: tfjs keeps global state, so the backend is chosen once. */
export function loadFaceApiRuntimeInBrowser(
  options: BrowserBackendOptions,
): Promise<BrowserFaceApiRuntime> {
  const wasmBaseUrl = absoluteFolderUrl(options.wasmBaseUrl);
  const webgl = options.webgl ?? 'hardware';
  const key = `${webgl} ${wasmBaseUrl}`;
  if (runtime !== null && runtime.key !== key) {
    throw new EngineStartupError(
      'backend_unavailable',
      `the backend was already chosen with other options (${runtime.key})`,
    );
  }
  runtime ??= { key, loading: chooseRuntime(wasmBaseUrl, webgl) };
  return runtime.loading;
}

async function chooseRuntime(
  wasmBaseUrl: string,
  policy: WebglPolicy,
): Promise<BrowserFaceApiRuntime> {
  const faceapi = faceapiBrowser as unknown as typeof FaceApi;
  assertSharedEngine(faceapi, tf.engine());
  useWorkerEnvironment(faceapi);
  // Set before any backend starts: the wasm backend reads the paths when it initialises.
  setWasmPaths(wasmBaseUrl);
  const webgl = await tryWebgl(policy);
  if (webgl.ok) {
    return { faceapi, backend: 'webgl', fallbackReason: null, webglRenderer: webgl.renderer };
  }
  await activate('wasm', `from ${wasmBaseUrl}`);
  return { faceapi, backend: 'wasm', fallbackReason: webgl.reason, webglRenderer: null };
}

type WebglOutcome = { ok: true; renderer: string } | { ok: false; reason: string };

const softwareRenderer = /swiftshader|llvmpipe|softpipe|software|basic render/i;

async function tryWebgl(policy: WebglPolicy): Promise<WebglOutcome> {
  if (policy === 'off') return { ok: false, reason: 'WebGL turned off by the caller' };
  const probe = probeWebgl();
  if (!probe.ok) return probe;
  if (policy === 'hardware' && softwareRenderer.test(probe.renderer)) {
    return {
      ok: false,
      reason: `WebGL runs on a software renderer (${probe.renderer}), slower than wasm`,
    };
  }
  try {
    await activate('webgl', `on ${probe.renderer}`);
  } catch (error) {
    return { ok: false, reason: messageOf(error) };
  }
  return probe;
}

/** tfjs only logs why a backend failed; asking for a context first gives the reason in words. */
function probeWebgl(): WebglOutcome {
  const canvas = new OffscreenCanvas(1, 1);
  let gl: WebGL2RenderingContext | WebGLRenderingContext | null = null;
  try {
    gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  } catch (error) {
    return { ok: false, reason: `creating a WebGL context threw: ${messageOf(error)}` };
  }
  if (gl === null) {
    return { ok: false, reason: 'the browser gives no WebGL context (no GPU, WebGL disabled)' };
  }
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(
    gl.getParameter(debug === null ? gl.RENDERER : debug.UNMASKED_RENDERER_WEBGL),
  );
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { ok: true, renderer };
}

async function activate(name: BrowserBackendName, where: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new EngineStartupError(
      'backend_unavailable',
      `tfjs backend ${name} threw ${where}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  if (!ok || tf.getBackend() !== name) {
    throw new EngineStartupError(
      'backend_unavailable',
      `tfjs backend ${name} did not initialise ${where}`,
    );
  }
}

function absoluteFolderUrl(base: string): string {
  const url = new URL(base, pageBaseUrl()).href;
  if (!url.endsWith('/')) {
    throw new EngineStartupError('backend_unavailable', `wasm folder URL ${url} must end with '/'`);
  }
  return url;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
