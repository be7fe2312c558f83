// How the renderer reaches the kiosk service: Electron's preload bridge when present, else the web
// shell's WebSocket (same origin, session token). Both give the one KioskApi of src/shared/kiosk-api.ts.
import type {
  KioskApi,
  KioskEvent,
  KioskMethod,
  KioskRequest,
  KioskResponses,
  KioskResult,
  KioskWireMessage,
} from '../shared/kiosk-api.ts';
import { kioskEventSchema } from '../shared/kiosk-api.ts';

declare global {
  interface Window {
    facepayKiosk?: KioskApi;
  }
}

export async function connectKiosk(): Promise<KioskApi> {
  if (window.facepayKiosk !== undefined) return window.facepayKiosk;
  const response = await fetch('/kiosk/session', { cache: 'no-store' });
  if (!response.ok) throw new Error(`kiosk session: HTTP ${response.status}`);
  const session = (await response.json()) as { wsPath: string; token: string };
  const url = new URL(session.wsPath, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', session.token);
  return WebSocketKiosk.open(url.href);
}

type Pending = (result: KioskResult<unknown>) => void;

class WebSocketKiosk implements KioskApi {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: KioskEvent) => void>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => this.#receive(String(event.data));
    socket.onclose = () => {
      for (const resolve of this.#pending.values()) {
        resolve({ ok: false, error: { code: 'internal', message: 'the kiosk service closed' } });
      }
      this.#pending.clear();
    };
  }

  static open(url: string): Promise<WebSocketKiosk> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(new WebSocketKiosk(socket));
      socket.onerror = () => reject(new Error('cannot reach the kiosk service'));
    });
  }

  call<M extends KioskMethod>(
    method: M,
    request: KioskRequest<M>,
  ): Promise<KioskResult<KioskResponses[M]>> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      if (this.#socket.readyState !== WebSocket.OPEN) {
        resolve({ ok: false, error: { code: 'internal', message: 'the kiosk service closed' } });
        return;
      }
      this.#pending.set(id, resolve as Pending);
      this.#socket.send(JSON.stringify({ id, method, payload: request }));
    });
  }

  onEvent(listener: (event: KioskEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #receive(text: string): void {
    const message = JSON.parse(text) as KioskWireMessage;
    if (message.kind === 'result') {
      const resolve = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      resolve?.(message.result);
      return;
    }
    const event = kioskEventSchema.safeParse(message.event);
    if (!event.success) return;
    for (const listener of this.#listeners) listener(event.data);
  }
}
