// Runs the engine harness page by hand: `npx vite --config test/e2e/browser/vite.config.ts`, then open
// /index.html and call window.runFace('/faces/facerec_obama/1.jpg') in the console. Not part of the product build.

import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vite';
import { defaultFacesDir, harnessViteConfig } from './harness-server.ts';

export default defineConfig(
  harnessViteConfig({
    facesDir: defaultFacesDir,
    cacheDir: path.join(os.tmpdir(), 'facepay-engine-harness-vite'),
    port: 5179,
  }),
);
