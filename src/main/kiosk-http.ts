// The kiosk's local HTTP server on 127.0.0.1: the till's payment-request API (bearer token) for every
// shell, and for the web shell also the built renderer, the models, and the kiosk API over a WebSocket.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  idempotencyKeyLengthMax,
  kioskCallsInFlightMax,
  kioskMessageBytesMax,
} from '../shared/limits.ts';
import type { KioskWireMessage, PaymentView } from '../shared/kiosk-api.ts';
import { handleKioskCall, kioskRequests, kioskWireCallSchema } from '../shared/kiosk-api.ts';
import type { AppMount } from './electron/app-files.ts';
import { resolveMountedFile } from './electron/app-files.ts';
import { kioskResponseHeaders } from './electron/window-policy.ts';
import type { KioskRuntime } from './kiosk-runtime.ts';
import type { TillAnswer } from './kiosk-service.ts';
import { sameSecret } from './same-secret.ts';

export interface KioskHttpOptions {
  runtime: KioskRuntime;
  port: number;
  host?: string;
  /** Web shell only: the built renderer and the folders it loads the engine from (kioskMounts). */
  renderer?: { mounts: readonly AppMount[] };
}

export interface KioskHttpServer {
  url: string;
  close(): Promise<void>;
}

/** The operator's startPayment, but a till always names its own reference. */
const tillRequestSchema = kioskRequests.startPayment.extend({
  reference: kioskRequests.startPayment.shape.reference.unwrap(),
});

export async function startKioskHttp(options: KioskHttpOptions): Promise<KioskHttpServer> {
  const { runtime } = options;
  // The page learns this from /kiosk/session (same origin only: no CORS); a page of another origin cannot.
  const sessionToken = randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();
  /** The names this server answers to, once it listens (`127.0.0.1:PORT`, `localhost:PORT`). */
  let ownHosts: ReadonlySet<string> = new Set();
  const server = createServer((request, response) => {
    // DNS rebinding: a page of another site whose name was made to resolve to 127.0.0.1 is the same
    // origin as itself, so it could read /kiosk/session's token. Its requests still carry its name.
    if (!ownHosts.has(request.headers.host ?? '')) {
      return sendJson(
        response,
        421,
        error('misdirected', 'this kiosk answers only to its own address'),
      );
    }
    void route(request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 500, error('internal', 'internal error'));
      else response.destroy();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://kiosk');
    if (url.pathname.startsWith('/kiosk/v1/payment-requests'))
      return tillApi(request, response, url);
    if (options.renderer === undefined)
      return sendJson(response, 404, error('not_found', 'not found'));
    if (request.method !== 'GET') return sendJson(response, 405, error('method', 'GET only'));
    if (url.pathname === '/kiosk/session') {
      response.setHeader('Cache-Control', 'no-store');
      return sendJson(response, 200, { wsPath: '/kiosk/v1/ws', token: sessionToken });
    }
    return serveStatic(response, url.pathname, options.renderer);
  }

  async function tillApi(request: IncomingMessage, response: ServerResponse, url: URL) {
    const tillToken = runtime.config.tillToken;
    // An enrolment station has no till: nothing is served there.
    if (tillToken === undefined) return sendJson(response, 404, error('not_found', 'not found'));
    if (!bearerMatches(request.headers.authorization, tillToken)) {
      return sendJson(response, 401, error('unauthorized', 'bearer token required'));
    }
    const id = url.pathname.match(/^\/kiosk\/v1\/payment-requests\/(pay_[A-Za-z0-9]{8,40})$/)?.[1];
    if (request.method === 'GET' && id !== undefined) {
      const payment = runtime.service.tillPayment(id);
      return payment === null
        ? sendJson(response, 404, error('not_found', 'no such payment'))
        : sendJson(response, 200, { payment: tillView(payment) });
    }
    if (request.method === 'DELETE' && id !== undefined) {
      const cancelled = runtime.service.cancelFromTill(id);
      if (cancelled.ok) return sendJson(response, 200, { payment: tillView(cancelled.payment) });
      const status = cancelled.error.code === 'no_payment' ? 404 : 409;
      return sendJson(response, status, error(cancelled.error.code, cancelled.error.message));
    }
    if (request.method !== 'POST' || url.pathname !== '/kiosk/v1/payment-requests') {
      return sendJson(response, 404, error('not_found', 'not found'));
    }
    const body = await readJson(request);
    const parsed = tillRequestSchema.safeParse(body);
    if (!parsed.success) {
      return sendJson(
        response,
        400,
        error('invalid_request', parsed.error.issues[0]?.message ?? 'invalid'),
      );
    }
    const key = tillIdempotencyKey(request.headers['idempotency-key']);
    if (key === false) {
      return sendJson(
        response,
        400,
        error('invalid_request', `Idempotency-Key must be 1-${idempotencyKeyLengthMax} characters`),
      );
    }
    const answer = runtime.service.requestFromTill(parsed.data, key);
    if (!answer.ok && answer.status === 503) return notTakingPayments(response, answer);
    if (!answer.ok) return sendJson(response, answer.status, error(answer.code, answer.message));
    if (answer.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return sendJson(response, 201, { payment: tillView(answer.payment) });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: kioskMessageBytesMax });
  server.on('upgrade', (request, socket, head) => {
    // A listener that throws ends the process: a target that is no URL (`GET http://[`) is refused.
    const url = requestUrl(request);
    const host = request.headers.host ?? '';
    const origin = request.headers.origin;
    const allowed =
      options.renderer !== undefined &&
      ownHosts.has(host) &&
      url?.pathname === '/kiosk/v1/ws' &&
      origin === `http://${host}` &&
      sameSecret(url.searchParams.get('token') ?? '', sessionToken);
    if (!allowed) {
      // Node's server took its own 'error' listener off this socket when it handed over the upgrade: a
      // client that resets it would otherwise end the kiosk's process (as ws does in its own refusals).
      socket.on('error', (cause) => {
        logSocketError('a refused WebSocket upgrade', cause);
        socket.destroy();
      });
      socket.once('finish', () => socket.destroy());
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    sockets.add(ws);
    let inFlight = 0;
    const unsubscribe = runtime.subscribe((event) => send(ws, { kind: 'event', event }));
    ws.on('close', () => {
      sockets.delete(ws);
      unsubscribe();
    });
    // A frame over maxPayload, text that is not UTF-8, a bad opcode: ws has already begun closing this one
    // socket with the matching code (1009, 1007, 1002); without a listener its 'error' would end the process.
    ws.on('error', (cause) => logSocketError('a kiosk API socket', cause));
    ws.on('message', (data, isBinary) => {
      const call = isBinary ? null : parseCall(data.toString());
      if (call === null) {
        ws.close(1003, 'kiosk calls are JSON text');
        return;
      }
      if (inFlight >= kioskCallsInFlightMax) {
        send(ws, {
          kind: 'result',
          id: call.id,
          result: {
            ok: false,
            error: { code: 'rate_limited', message: 'too many calls in flight' },
          },
        });
        return;
      }
      inFlight += 1;
      void handleKioskCall(runtime.handlers, call.method, call.payload)
        .catch(() => ({
          ok: false as const,
          error: { code: 'internal' as const, message: 'internal error' },
        }))
        .then((result) => {
          inFlight -= 1;
          send(ws, { kind: 'result', id: call.id, result });
        });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const listening = options.host ?? '127.0.0.1';
  ownHosts = new Set([`${listening}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The till is told at once that this kiosk takes no payments, and why (reason, and the hub's own status and
 * code when it refuses the kiosk), so the cashier does not send the shopper to the camera. Out of reach,
 * Retry-After says when the kiosk asks the hub again; refused, only staff can change it (no Retry-After).
 */
function notTakingPayments(
  response: ServerResponse,
  answer: Extract<TillAnswer, { status: 503 }>,
): void {
  if (answer.notTaking.reason === 'hub_unreachable') response.setHeader('Retry-After', '2');
  const { reason, hub } = answer.notTaking;
  sendJson(response, 503, { error: { ...error(answer.code, answer.message).error, reason, hub } });
}

/** What a till may read back: the state, never the shopper's masked name. */
/**
 * The till's optional Idempotency-Key (the hub's rule: 1-255 characters): undefined when there is none,
 * false when it is not one.
 */
function tillIdempotencyKey(header: string | string[] | undefined): string | undefined | false {
  if (header === undefined) return undefined;
  if (typeof header !== 'string') return false;
  return header.length >= 1 && header.length <= idempotencyKeyLengthMax ? header : false;
}

function tillView(payment: PaymentView) {
  return {
    id: payment.id,
    state: payment.state,
    amount: payment.amount,
    reference: payment.reference,
    holdId: payment.receipt?.holdId ?? null,
    failure: payment.failure,
    // The kiosk reads no face (failed looks in a row): the till tells the cashier the shopper pays by
    // member number and PIN, and that staff resume face checks on the kiosk's operator screen.
    faceChecksPaused: payment.faceChecksPaused,
  };
}

function parseCall(text: string) {
  try {
    const parsed = kioskWireCallSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function send(ws: WebSocket, message: KioskWireMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** The renderer's files through the same mounts and path checks, and the same headers, as Electron's app scheme. */
async function serveStatic(
  response: ServerResponse,
  pathname: string,
  renderer: NonNullable<KioskHttpOptions['renderer']>,
): Promise<void> {
  const answer = resolveMountedFile(renderer.mounts, pathname);
  const size = answer.ok ? await fileSize(answer.file) : null;
  if (!answer.ok || size === null) {
    return sendJson(response, answer.ok ? 404 : answer.status, error('not_found', 'not found'));
  }
  response.writeHead(200, {
    ...kioskResponseHeaders(answer.contentType),
    'content-length': String(size),
  });
  // pipeline, not pipe: a client gone half way, or a read that fails, closes the file and the response
  // (pipe left the file open at each dropped download, and a read error had no listener).
  pipeline(createReadStream(answer.file), response, (cause) => {
    if (cause && cause.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logSocketError('a page file', cause);
    }
  });
}

async function fileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > kioskMessageBytesMax) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

/** The request's target as a URL, or null when it is none (Node's parser lets `http://[` through). */
function requestUrl(request: IncomingMessage): URL | null {
  try {
    return new URL(request.url ?? '/', 'http://kiosk');
  } catch {
    return null;
  }
}

/** One line for the kiosk's log: which connection, and the error's code (never a token or a payload). */
function logSocketError(what: string, cause: NodeJS.ErrnoException): void {
  console.error(`kiosk: ${what} ended on an error: ${cause.code ?? cause.name}`);
}

/** `Bearer TOKEN`, the scheme in any case (RFC 9110 §11.1: auth schemes are case-insensitive). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header === undefined ? '' : (/^bearer +(.*)$/i.exec(header)?.[1] ?? '');
  return sameSecret(given, token);
}

function error(code: string, message: string) {
  return { error: { code, message } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
