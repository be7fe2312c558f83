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
import { kioskServiceOpenMsMax } from '../shared/limits.ts';

declare global {
  interface Window {
    facepayKiosk?: KioskApi;
  }
}

export interface KioskConnection {
  api: KioskApi;
  /**
   * Calls `listener` once when the link to the kiosk service is lost: the web shell stopped or restarted,
   * and this page's socket (and its token) will never answer again. Never under Electron, whose renderer
   * lives and dies with the service. `lost.paymentUnconfirmed`: a payment was open with a hold request of it
   * out (its last view said holdRequestSent), so whether money was taken is not known on this screen.
   */
  onLost(listener: (lost: LostService) => void): void;
  /**
   * The screens are back at idle: the payment the service last sent is no longer the shopper's, so a
   * service lost from now on says nothing about it (the event schema has no "no payment" event). An open
   * payment is kept: an event of it may have come after the screens went idle (the till's next amount).
   */
  forgetPayment(): void;
  /**
   * Closes the link to the service: a start that failed before its kiosk showed (say its status call went
   * unanswered) holds no socket open until its reload opens a new one. Nothing under Electron.
   */
  close(): void;
}

/** What the page knew when its service went. */
export interface LostService {
  /**
   * A payment was open with a hold request of it out, or it had closed failed after one went out (its
   * screen said money may have been taken): whether money was taken is not known on this screen.
   */
  paymentUnconfirmed: boolean;
  /** The unconfirmed payment had already closed failed (not cut off while going on). */
  paymentFailed: boolean;
  /** The unconfirmed payment is a clinic check-in (its cap held, not money taken). */
  clinic: boolean;
}

/** The states of a payment still going on: one lost in them with its hold request out is unconfirmed. */
const openStates: ReadonlySet<string> = new Set(['waiting_for_face', 'confirming', 'pin']);

/**
 * What the page says of `payment` (the last view the service sent, null once forgotten) when the service
 * goes: unconfirmed while it is open with its hold request out, or closed failed after one went out (the
 * service keeps holdRequestSent true then, unless the hub itself refused the only hold request).
 */
export function lostService(payment: RememberedPayment | null): LostService {
  const open = payment !== null && openStates.has(payment.state);
  const failed = payment?.state === 'failed';
  const paymentUnconfirmed = payment !== null && payment.holdRequestSent && (open || failed);
  return {
    paymentUnconfirmed,
    paymentFailed: paymentUnconfirmed && failed,
    clinic: payment?.purpose === 'clinic_visit',
  };
}

interface RememberedPayment {
  state: string;
  holdRequestSent: boolean;
  purpose: string;
}

export async function connectKiosk(): Promise<KioskConnection> {
  const bridge = window.facepayKiosk;
  if (bridge !== undefined) {
    return { api: bridge, onLost: () => {}, forgetPayment: () => {}, close: () => {} };
  }
  const response = await fetch(sessionPath, { cache: 'no-store' });
  if (!response.ok) throw new Error(`kiosk session: HTTP ${response.status}`);
  const session = (await response.json()) as { wsPath: string; token: string };
  const url = new URL(session.wsPath, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', session.token);
  const api = await WebSocketKiosk.open(url.href);
  return {
    api,
    onLost: (listener) => api.onClosed(listener),
    forgetPayment: () => api.forgetPayment(),
    close: () => api.close(),
  };
}

const sessionPath = '/kiosk/session';

/** Whether the web shell answers again (a page loaded now would get a session): it is back after a restart. */
export async function kioskServiceAnswers(): Promise<boolean> {
  try {
    return (await fetch(sessionPath, { cache: 'no-store' })).ok;
  } catch {
    return false;
  }
}

type Pending = (result: KioskResult<unknown>) => void;

class WebSocketKiosk implements KioskApi {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: KioskEvent) => void>();
  readonly #closedListeners = new Set<(lost: LostService) => void>();
  /** The last payment view the service sent (null until one comes, and once the screens forget it). */
  #payment: RememberedPayment | null = null;
  /** What the page knew when the socket closed; null while it is open. */
  #lost: LostService | null = null;
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => this.#receive(String(event.data));
    socket.onclose = () => {
      // These calls went out: whatever they did (a payment's hold request, say) is not known here.
      const error = {
        code: 'internal',
        message: 'the kiosk service closed',
        answerLost: true,
      } as const;
      for (const resolve of this.#pending.values()) resolve({ ok: false, error });
      this.#pending.clear();
      const lost = lostService(this.#payment);
      this.#lost = lost;
      for (const listener of this.#closedListeners) listener(lost);
    };
  }

  /** KioskConnection.forgetPayment: a closed payment is forgotten, an open one kept. */
  forgetPayment(): void {
    if (this.#payment !== null && !openStates.has(this.#payment.state)) this.#payment = null;
  }

  /** KioskConnection.close: calls still out are answered as for a lost service (onclose). */
  close(): void {
    this.#socket.close();
  }

  /**
   * A listener added after the socket closed (the page's start registers its own once the face engine is
   * ready, seconds after the socket opened) is told too, after the caller's turn: else the page would show
   * its kiosk on a dead socket, every call failing, and never reload.
   */
  onClosed(listener: (lost: LostService) => void): void {
    this.#closedListeners.add(listener);
    const lost = this.#lost;
    if (lost !== null) queueMicrotask(() => listener(lost));
  }

  /**
   * The socket once open; refused, or neither open nor refused within kioskServiceOpenMsMax (a shell that
   * took the connection but never answered), it rejects alike and the start fails (its screen, its retry).
   */
  static open(url: string): Promise<WebSocketKiosk> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const unanswered = window.setTimeout(() => {
        socket.onopen = null;
        socket.onerror = null;
        reject(new Error('cannot reach the kiosk service (no answer)'));
        socket.close();
      }, kioskServiceOpenMsMax);
      socket.onopen = () => {
        window.clearTimeout(unanswered);
        resolve(new WebSocketKiosk(socket));
      };
      socket.onerror = () => {
        window.clearTimeout(unanswered);
        reject(new Error('cannot reach the kiosk service'));
      };
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
    if (event.data.type === 'payment') this.#payment = event.data.payment;
    for (const listener of this.#listeners) listener(event.data);
  }
}
