// Serves the engine harness page with Vite's dev server on 127.0.0.1, plus the repository's models,
// tfjs's .wasm files and the shared test photos as plain files; used by the browser test and by hand.

import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin, UserConfig, ViteDevServer } from 'vite';
import { createServer } from 'vite';

const harnessDir = import.meta.dirname;
export const repoRoot = path.resolve(harnessDir, '..', '..', '..');
export const defaultFacesDir = path.resolve(repoRoot, '..', 'shared', 'data', 'faces');
const wasmDir = path.dirname(
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'),
);

export interface HarnessServerOptions {
  facesDir: string;
  /** Vite's pre-bundled dependencies; a fresh folder keeps concurrent runs apart. */
  cacheDir: string;
  /** 0 picks a free port. */
  port?: number;
}

export function harnessViteConfig(options: HarnessServerOptions): UserConfig {
  return {
    root: harnessDir,
    cacheDir: options.cacheDir,
    logLevel: 'warn',
    clearScreen: false,
    appType: 'mpa',
    server: {
      host: '127.0.0.1',
      port: options.port ?? 0,
      hmr: false,
      watch: null,
      fs: {
        strict: true,
        allow: [harnessDir, path.join(repoRoot, 'src'), path.join(repoRoot, 'node_modules')],
      },
    },
    // Listed up front and no discovery: a dependency found late would make Vite reload the page mid-test.
    optimizeDeps: {
      noDiscovery: true,
      include: [
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-converter',
        '@tensorflow/tfjs-backend-wasm',
        '@vladmandic/face-api/dist/face-api.esm-nobundle.js',
        'zod',
      ],
    },
    plugins: [
      staticFolders({
        '/models/': path.join(repoRoot, 'models'),
        '/wasm/': wasmDir,
        '/faces/': options.facesDir,
      }),
    ],
  };
}

export interface HarnessServer {
  /** Origin of the server, e.g. http://127.0.0.1:41234 */
  origin: string;
  close: () => Promise<void>;
}

export async function startHarnessServer(options: HarnessServerOptions): Promise<HarnessServer> {
  const server: ViteDevServer = await createServer({
    ...harnessViteConfig(options),
    configFile: false,
  });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo | null | undefined;
  if (address === null || address === undefined) throw new Error('the harness server has no port');
  return { origin: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};
const plainSegment = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Plain files under fixed URL prefixes: at most two plain path segments, no dot-dot, known types only. */
function staticFolders(folders: Record<string, string>): Plugin {
  return {
    name: 'facepay-harness-static-folders',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const file = fileFor(request, folders);
        if (file === undefined) {
          next();
          return;
        }
        sendFile(file, response);
      });
    },
  };
}

function fileFor(
  request: IncomingMessage,
  folders: Record<string, string>,
): string | null | undefined {
  const pathname = new URL(request.url ?? '/', 'http://harness').pathname;
  const prefix = Object.keys(folders).find((candidate) => pathname.startsWith(candidate));
  if (prefix === undefined) return undefined;
  const segments = pathname.slice(prefix.length).split('/');
  const allowed =
    request.method === 'GET' &&
    segments.length <= 2 &&
    segments.every((segment) => plainSegment.test(segment)) &&
    contentTypes[path.extname(pathname).toLowerCase()] !== undefined;
  return allowed ? path.join(folders[prefix] ?? '', ...segments) : null;
}

function sendFile(file: string | null, response: ServerResponse): void {
  let size: number | null = null;
  try {
    if (file !== null && statSync(file).isFile()) size = statSync(file).size;
  } catch {
    size = null;
  }
  if (file === null || size === null) {
    response.statusCode = 404;
    response.end('not found');
    return;
  }
  response.setHeader('Content-Type', contentTypes[path.extname(file).toLowerCase()] ?? '');
  response.setHeader('Content-Length', String(size));
  response.setHeader('Cache-Control', 'no-store');
  createReadStream(file).pipe(response);
}
