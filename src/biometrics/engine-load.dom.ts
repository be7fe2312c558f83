// Browser start-up of the face engine's parts: choose the backend, fetch and verify every model file
// against the same models/manifest.json as Node, and build the networks; any failure stops start-up.

import type { BrowserFaceApiRuntime, WebglPolicy } from './backend.dom.ts';
import { loadFaceApiRuntimeInBrowser } from './backend.dom.ts';
import type { FaceModels } from './face-models.ts';
import { loadFaceModels } from './face-models.ts';
import { fetchModelManifest, fetchVerifiedModel, modelFolder } from './model-store.dom.ts';

export interface BrowserEngineUrls {
  /** Folder URL serving models/ (manifest.json and the files it lists), ending with '/'. */
  modelsBaseUrl: string;
  /** Folder URL serving tfjs-backend-wasm's .wasm files, ending with '/'. */
  wasmBaseUrl: string;
  /** Default 'hardware'; see backend.dom.ts. */
  webgl?: WebglPolicy;
}

export interface LoadedBrowserFaceParts {
  runtime: BrowserFaceApiRuntime;
  models: FaceModels;
}

export async function loadFacePartsInBrowser(
  urls: BrowserEngineUrls,
): Promise<LoadedBrowserFaceParts> {
  const folder = modelFolder(urls.modelsBaseUrl);
  // The manifest first: a broken install fails before the slower backend start.
  const manifest = await fetchModelManifest(folder);
  const runtime = await loadFaceApiRuntimeInBrowser({
    wasmBaseUrl: urls.wasmBaseUrl,
    ...(urls.webgl === undefined ? {} : { webgl: urls.webgl }),
  });
  const models = await loadFaceModels(runtime.faceapi, (name) =>
    fetchVerifiedModel(folder, manifest, name),
  );
  return { runtime, models };
}
