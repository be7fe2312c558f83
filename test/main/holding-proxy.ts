// A network between a kiosk process and the hub that a crash test controls: it forwards every request,
// and can hold the next POST /v1/holds before the hub sees it, or after the hub answered, while the test kills the kiosk.
// `answerHere` answers chosen requests itself (e.g. as a hub older than a route would); `answerAfter`
// forwards a request and then answers it itself, the hub's answer dropped (a gateway that timed out waiting).
// `heldRoute` holds another request than the hold request (e.g. POST /v1/verify-pin).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The next hold request, held before the hub sees it: the test forwards it later or drops it. */
export interface HeldRequest {
  arrived: Promise<void>;
  /** Delivers it to the hub (its sender may be gone); the hub's status. */
  forward(): Promise<number>;
  /** Never delivered: the connection is cut. */
  drop(): void;
}

/** The next hold request, delivered, its answer held: `answered` is the hub's status, never passed on. */
export interface HeldAnswer {
  answered: Promise<number>;
}

type Gate =
  | {
      kind: 'request';
      reached: () => void;
      decided: Promise<'forward' | 'drop'>;
      forwarded: (status: number) => void;
    }
  | { kind: 'answer'; answered: (status: number) => void };

export interface HoldingProxy {
  url: string;
  holdNextRequest(): HeldRequest;
  holdNextAnswer(): HeldAnswer;
  close(): Promise<void>;
}

const notForwarded = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
]);

export async function startHoldingProxy(
  hubUrl: string,
  options: {
    answerHere?: (method: string, url: string) => Response | undefined;
    answerAfter?: (method: string, url: string) => Response | undefined;
    /** The request holdNextRequest and holdNextAnswer hold; the hold request (POST /v1/holds) unless set. */
    heldRoute?: { method: string; path: string };
  } = {},
): Promise<HoldingProxy> {
  let gate: Gate | null = null;
  const server = createServer((request, response) => {
    void route(request, response).catch(() => response.destroy());
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const here = options.answerHere?.(request.method ?? 'GET', `${hubUrl}${request.url ?? '/'}`);
    if (here !== undefined) return reply(response, await own(here));
    const heldRoute = options.heldRoute ?? { method: 'POST', path: '/v1/holds' };
    const isHold = request.method === heldRoute.method && request.url === heldRoute.path;
    const held = isHold ? gate : null;
    if (held !== null) gate = null;
    if (held?.kind === 'request') {
      held.reached();
      if ((await held.decided) === 'drop') return void response.destroy();
      const answer = await forward(request, body);
      held.forwarded(answer.status);
      return reply(response, answer);
    }
    const answer = await forward(request, body);
    // The hub committed and answered; its answer never reaches the kiosk (the test kills it meanwhile).
    if (held?.kind === 'answer') return held.answered(answer.status);
    const after = options.answerAfter?.(request.method ?? 'GET', `${hubUrl}${request.url ?? '/'}`);
    reply(response, after === undefined ? answer : await own(after));
  }

  async function own(here: Response) {
    return {
      status: here.status,
      contentType: here.headers.get('content-type'),
      replayed: here.headers.get('idempotent-replayed'),
      body: Buffer.from(await here.arrayBuffer()),
    };
  }

  async function forward(request: IncomingMessage, body: Buffer) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !notForwarded.has(name)) headers.set(name, value);
    }
    const response = await fetch(`${hubUrl}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers,
      ...(body.length === 0 ? {} : { body: new Uint8Array(body) }),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      replayed: response.headers.get('idempotent-replayed'),
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    holdNextRequest() {
      let reached = () => {};
      let decide: (what: 'forward' | 'drop') => void = () => {};
      let forwarded: (status: number) => void = () => {};
      const arrived = new Promise<void>((resolve) => (reached = resolve));
      const decided = new Promise<'forward' | 'drop'>((resolve) => (decide = resolve));
      const status = new Promise<number>((resolve) => (forwarded = resolve));
      gate = { kind: 'request', reached, decided, forwarded };
      return {
        arrived,
        forward: () => {
          decide('forward');
          return status;
        },
        drop: () => decide('drop'),
      };
    },
    holdNextAnswer() {
      let answered: (status: number) => void = () => {};
      const status = new Promise<number>((resolve) => (answered = resolve));
      gate = { kind: 'answer', answered };
      return { answered: status };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Passes the hub's answer on with the headers its callers read: Idempotent-Replayed tells a stored answer
 * replayed from the request run again (a lost request asked again).
 */
function reply(
  response: ServerResponse,
  answer: { status: number; contentType: string | null; replayed: string | null; body: Buffer },
): void {
  // The kiosk that sent it may be dead by now: writing to its closed socket is not an error here.
  if (response.destroyed) return;
  response.writeHead(answer.status, {
    ...(answer.contentType === null ? {} : { 'content-type': answer.contentType }),
    ...(answer.replayed === null ? {} : { 'idempotent-replayed': answer.replayed }),
    'content-length': String(answer.body.length),
  });
  response.end(answer.body);
}
