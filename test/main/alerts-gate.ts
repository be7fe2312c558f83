// A shop and its kiosk process behind a proxy that decides the kiosk's alerts' fate: both alert crash tests
// (the outbox, the handoff from the pause to the outbox) choose whether an alert reaches the hub.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { assertNoProcessLeft } from '../hub/process.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  blankRenderer,
  killKioskProcessesLeft,
  startKioskProcess,
  type KioskProcess,
} from './kiosk-process.ts';
import type { TestTill } from './kiosk-process-looks.ts';
import { closeKioskTestHub, type KioskTestHub } from './kiosk-test-hub.ts';
import { startShopWithShopper } from './shop-fixture.ts';

/** The hub with its shop, the proxy in front of it, and the kiosk process's way to start on them. */
export interface AlertsRig {
  readonly test: KioskTestHub;
  readonly proxy: AlertsGate;
  readonly till: TestTill;
  /** kiosk-alerts.json beside the device keys. */
  readonly outboxFile: string;
  startKiosk(): Promise<KioskProcess>;
  /** Kills kiosk processes left, closes proxy and hub, and checks that no process is left. */
  close(): Promise<void>;
}

export async function startAlertsRig(name: string): Promise<AlertsRig> {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  const test = await startShopWithShopper({
    prefix: `facepay-${name}-`,
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    face: syntheticFace(),
  });
  const proxy = await startAlertsGate(test.hub.url);
  const rendererDir = blankRenderer(test.work);
  return {
    test,
    proxy,
    till: { token: test.shop.tillToken, referencePrefix: name },
    outboxFile: path.join(test.shop.config.keysDir, 'kiosk-alerts.json'),
    startKiosk: () =>
      startKioskProcess({
        configFile: test.shop.configFile,
        hubUrl: proxy.url,
        rendererDir,
        clockAheadMs: clock.offsetMs,
      }),
    close: async () => {
      await killKioskProcessesLeft();
      await proxy.close();
      await closeKioskTestHub(test);
      await assertNoProcessLeft();
    },
  };
}

/**
 * What the network between kiosk and hub does to an alert: passes it, answers it itself with a 503 (the
 * hub never sees it), or delivers it and cuts the connection before the hub's answer reaches the kiosk.
 * Two more answer it with a 4xx the hub never gave: 'gateway 4xx', a gateway's own JSON (400
 * `{"message":"upstream request timeout"}`), and 'route missing', the 404 not_found in the hub's own error
 * body that an older hub without the alerts route answers.
 */
export type AlertFate =
  'passed' | 'held back' | 'answer lost' | 'gateway 4xx' | 'route missing' | 'answer held';

/** The answers of the fates that answer an alert themselves with a 4xx. */
const refusedAlert = {
  'gateway 4xx': { status: 400, body: { message: 'upstream request timeout' } },
  'route missing': {
    status: 404,
    body: { error: { code: 'not_found', message: 'no route POST /v1/kiosks/:id/alerts' } },
  },
} as const;

export interface AlertsGate {
  url: string;
  fate: AlertFate;
  /** 'answer held': the hub's answers to alerts the gate holds now, oldest first, till released. */
  readonly held: Array<() => void>;
  /** The status of every answer to an alert that reached the kiosk, in order. */
  readonly alertStatuses: number[];
  close(): Promise<void>;
}

/** A proxy in front of the hub that forwards everything and does to alerts what `fate` says. */
export async function startAlertsGate(hubUrl: string): Promise<AlertsGate> {
  const gate: AlertsGate = {
    url: '',
    fate: 'held back',
    held: [],
    alertStatuses: [],
    close: async () => {},
  };
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const isAlert = request.method === 'POST' && /\/alerts$/.test(request.url ?? '');
      if (isAlert && gate.fate === 'held back') {
        gate.alertStatuses.push(503);
        return void response.writeHead(503).end();
      }
      if (isAlert && (gate.fate === 'gateway 4xx' || gate.fate === 'route missing')) {
        const { status, body: answer } = refusedAlert[gate.fate];
        gate.alertStatuses.push(status);
        return void response
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer));
      }
      const headers = new Headers();
      for (const name of ['authorization', 'content-type', 'idempotency-key']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      const answer = await fetch(`${hubUrl}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body.length === 0 ? {} : { body: new Uint8Array(body) }),
      });
      const bytes = Buffer.from(await answer.arrayBuffer());
      if (isAlert && gate.fate === 'answer lost') return void response.destroy();
      if (isAlert && gate.fate === 'answer held') {
        await new Promise<void>((resolve) => gate.held.push(resolve));
      }
      if (isAlert) gate.alertStatuses.push(answer.status);
      const passed: Record<string, string> = {};
      for (const [name, value] of answer.headers) {
        if (name === 'content-type' || name === 'hub-time') passed[name] = value;
      }
      response.writeHead(answer.status, passed).end(bytes);
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gate.close = async () => {
    for (const release of gate.held.splice(0)) release();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gate;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
