// The kiosk's Content-Security-Policy in real Chromium (the engine Electron embeds): a page served with
// exactly kioskResponseHeaders must still run what the renderer needs (module bundle and worker, tfjs's
// wasm backend, the camera preview, same-origin fetch and WebSocket) while inline script, eval, blob
// workers, other origins, frames and inline styles are refused.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskResponseHeaders } from '../../src/main/electron/window-policy.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const tfjs = path.join(repoRoot, 'node_modules', '@tensorflow');
const wasmFiles = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/** The smallest valid wasm module: magic and version. */
const emptyWasm = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
/** A 1x1 transparent PNG. */
const pixelPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const indexHtml = `<!doctype html>
<html><head>
<link rel="stylesheet" href="/app.css">
<style>#inline-style { color: rgb(255, 0, 0); }</style>
<script>window.inlineRan = true;</script>
<script src="/tfjs/tf-core.min.js"></script>
<script src="/tfjs/tf-backend-wasm.min.js"></script>
<script type="module" crossorigin src="/app.js"></script>
</head><body>
<p id="inline-style">inline style element</p>
<p id="inline-attr" style="color: rgb(255, 0, 0)">style attribute</p>
<p id="cssom">CSSOM</p>
<p id="from-file">stylesheet</p>
<video id="preview" muted playsinline></video>
</body></html>`;

/** The probes, each reporting what happened; securitypolicyviolation events are collected beside them. */
const appJs = `
const violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
const results = {};
const attempt = async (name, probe) => {
  try { results[name] = await probe(); } catch (error) { results[name] = 'threw ' + error.name; results[name + 'Message'] = String(error.message); }
};
const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const loadImage = (src) => new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve('loaded');
  img.onerror = () => resolve('refused');
  img.src = src;
});
const workerAnswer = (worker) => new Promise((resolve) => {
  worker.onmessage = (event) => resolve(event.data);
  worker.onerror = () => resolve('refused');
  setTimeout(() => resolve('no answer'), 3000);
});
const other = new URLSearchParams(location.search).get('other');
window.probes = (async () => {
  results.inlineScript = window.inlineRan === true ? 'ran' : 'refused';
  await attempt('eval', () => eval('1 + 1'));
  await attempt('newFunction', () => new Function('return 2')());
  await attempt('wasmStreaming', async () => {
    await WebAssembly.instantiateStreaming(fetch('/empty.wasm'));
    return 'compiled';
  });
  await attempt('moduleWorker', () => workerAnswer(new Worker('/worker.js', { type: 'module' })));
  await attempt('blobWorker', () =>
    workerAnswer(new Worker(URL.createObjectURL(new Blob(['postMessage("ran")'])))));
  await attempt('fetchSelf', async () => (await fetch('/empty.wasm')).status);
  await attempt('fetchOther', async () => (await fetch(other + '/empty.wasm')).status);
  await attempt('webSocketSelf', () => { new WebSocket('ws://' + location.host + '/socket'); return 'opened'; });
  await attempt('webSocketOther', () => { new WebSocket(other.replace('http', 'ws') + '/socket'); return 'opened'; });
  results.imgSelf = await loadImage('/pixel.png');
  results.imgData = await loadImage('data:image/png;base64,${pixelPng.toString('base64')}');
  results.imgBlob = await loadImage(URL.createObjectURL(await (await fetch('/pixel.png')).blob()));
  results.imgOther = await loadImage(other + '/pixel.png');
  await attempt('camera', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    const video = document.getElementById('preview');
    video.srcObject = stream;
    await video.play();
    for (let i = 0; i < 100 && video.videoWidth === 0; i += 1) await settle(20);
    stream.getTracks().forEach((track) => track.stop());
    return video.videoWidth > 0 ? 'playing' : 'no frames';
  });
  await attempt('tfjsWasm', async () => {
    tf.wasm.setWasmPaths('/wasm/');
    if (!(await tf.setBackend('wasm'))) return 'no backend';
    const sum = tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0];
    return tf.getBackend() + ' ' + sum;
  });
  document.getElementById('cssom').style.color = 'rgb(0, 0, 255)';
  const color = (id) => getComputedStyle(document.getElementById(id)).color;
  results.styles = {
    inlineElement: color('inline-style'),
    inlineAttribute: color('inline-attr'),
    cssom: color('cssom'),
    stylesheet: color('from-file'),
  };
  const frame = document.createElement('iframe');
  frame.src = '/pixel.png';
  document.body.append(frame);
  await settle(300);
  return { results, violations };
})();
`;

const workerJs = `
const bytes = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
WebAssembly.compile(bytes).then(() => postMessage('ran, wasm compiled'), (e) => postMessage('ran, ' + e.name));
`;

type Routes = Map<string, { type: string; body: string | Uint8Array }>;

async function files(): Promise<Routes> {
  const wasmDir = path.join(tfjs, 'tfjs-backend-wasm/dist');
  const wasm = await Promise.all(
    wasmFiles.map(
      async (name) =>
        [
          `/wasm/${name}`,
          { type: 'application/wasm', body: await readFile(path.join(wasmDir, name)) },
        ] as const,
    ),
  );
  return new Map<string, { type: string; body: string | Uint8Array }>([
    ...wasm,
    ['/index.html', { type: 'text/html; charset=utf-8', body: indexHtml }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: appJs }],
    [
      '/app.css',
      { type: 'text/css; charset=utf-8', body: '#from-file { color: rgb(0, 128, 0); }' },
    ],
    ['/worker.js', { type: 'text/javascript; charset=utf-8', body: workerJs }],
    ['/empty.wasm', { type: 'application/wasm', body: emptyWasm }],
    ['/pixel.png', { type: 'image/png', body: pixelPng }],
    [
      '/tfjs/tf-core.min.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: await readFile(path.join(tfjs, 'tfjs-core/dist/tf-core.min.js'), 'utf8'),
      },
    ],
    [
      '/tfjs/tf-backend-wasm.min.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: await readFile(
          path.join(tfjs, 'tfjs-backend-wasm/dist/tf-backend-wasm.min.js'),
          'utf8',
        ),
      },
    ],
  ]);
}

async function serve(
  routes: Routes,
  headers: (type: string) => Record<string, string>,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const route = routes.get(url.pathname);
    if (route === undefined) {
      response.writeHead(404, headers('text/plain')).end();
      return;
    }
    response.writeHead(200, headers(route.type)).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let kiosk: { server: Server; origin: string };
let other: { server: Server; origin: string };
let browser: Browser;

beforeAll(async () => {
  const routes = await files();
  kiosk = await serve(routes, kioskResponseHeaders);
  // Another origin that would let anyone read it: only the kiosk's CSP can refuse it.
  other = await serve(routes, (type) => ({
    'content-type': type,
    'access-control-allow-origin': '*',
  }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  kiosk?.server.close();
  other?.server.close();
  // Chromium, and everything it started, ended with close().
  await assertNoProcessLeft();
});

describe('kiosk CSP in Chromium', () => {
  it('runs the renderer’s needs and refuses the rest', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${kiosk.origin}/index.html?other=${encodeURIComponent(other.origin)}`);
    const { results, violations } = await page.evaluate(
      () =>
        (
          window as unknown as {
            probes: Promise<{
              results: Record<string, unknown>;
              violations: { directive: string; blocked: string }[];
            }>;
          }
        ).probes,
    );
    await page.close();
    expect(errors).toStrictEqual([]);
    expect(results).toMatchObject({
      inlineScript: 'refused',
      eval: 'threw EvalError',
      newFunction: 'threw EvalError',
      wasmStreaming: 'compiled',
      moduleWorker: 'ran, wasm compiled',
      blobWorker: 'refused',
      fetchSelf: 200,
      fetchOther: 'threw TypeError',
      webSocketSelf: 'opened',
      imgSelf: 'loaded',
      imgData: 'loaded',
      imgBlob: 'loaded',
      imgOther: 'refused',
      camera: 'playing',
      tfjsWasm: 'wasm 6',
      styles: {
        inlineElement: 'rgb(0, 0, 0)',
        inlineAttribute: 'rgb(0, 0, 0)',
        cssom: 'rgb(0, 0, 255)',
        stylesheet: 'rgb(0, 128, 0)',
      },
    });
    // A WebSocket to another origin is refused either by throwing or by a reported violation.
    const wsOther = other.origin.replace('http', 'ws');
    const refusedWs =
      results['webSocketOther'] === 'threw SecurityError' ||
      violations.some((v) => v.directive === 'connect-src' && v.blocked.startsWith(wsOther));
    expect(refusedWs).toBe(true);
    // Violations before app.js listens (inline <script>, <style>, style="") show in results instead.
    const directives = new Set(violations.map((v) => v.directive));
    for (const directive of ['script-src', 'worker-src', 'connect-src', 'img-src', 'frame-src']) {
      expect(directives, directive).toContain(directive);
    }
    // Nothing the page itself needs was reported.
    const own = violations.filter(
      (v) => v.blocked.startsWith(kiosk.origin) && v.directive !== 'frame-src',
    );
    expect(own).toStrictEqual([]);
  });
});
