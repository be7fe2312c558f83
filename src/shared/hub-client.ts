// A typed client of the hub's HTTP API on the platform's fetch, for the kiosk, the operator CLI
// and the tests: one method per route of the route table, answers validated with its schemas.
import { z } from 'zod';
import { assert } from './assert.ts';
import * as api from './hub-api.ts';
import {
  hubRoutes,
  type HttpMethod,
  type RouteBody,
  type RouteName,
  type RouteQuery,
  type RouteRequest,
  type RouteResponse,
  type RouteSpec,
} from './hub-routes.ts';

export class HubRequestError extends Error {
  override name = 'HubRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    /** The hub's own words (`{"error":{"message"}}`), without the status and code `message` starts with. */
    readonly hubMessage: string,
    readonly body: unknown,
    /** The refusal stored under the request's Idempotency-Key, replayed (`Idempotent-Replayed: true`). */
    readonly replayed = false,
  ) {
    super(`${status} ${code}: ${hubMessage}`);
  }
}

/** The hub could not be reached (connection refused, reset, timed out): nothing is known of the request's fate. */
export class HubUnreachableError extends Error {
  override name = 'HubUnreachableError';
}

/**
 * The hub, or something between it and this client (a proxy's HTML error page, a connection cut in the
 * middle of the body), answered what the client cannot read: not JSON, or not the route's answer. Like a
 * lost answer it leaves the request's fate unknown (a 2xx may have moved money), so it is an unreachable
 * error; `status` says what came back (a 5xx, or a success whose body was lost).
 */
export class HubAnswerUnreadableError extends HubUnreachableError {
  override name = 'HubAnswerUnreadableError';
  constructor(
    readonly status: number,
    /** The answer's first characters, for a log line. */
    readonly bodyStart: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What one exchange brought back: its status and body (null when empty). */
interface Answer {
  status: number;
  body: unknown;
  text: string;
}

/** Characters of an unreadable answer kept in the error (an HTML page can be long). */
const unreadableBodyStartLength = 200;

function unreadable(
  at: string,
  answer: { status: number; text: string },
  why: string,
  cause?: unknown,
): HubAnswerUnreadableError {
  return new HubAnswerUnreadableError(
    answer.status,
    answer.text.slice(0, unreadableBodyStartLength),
    `${at}: answered ${answer.status}, ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

/** The answer's JSON, or an unreadable error carrying its status. */
function parseAnswer(at: string, status: number, text: string): Answer {
  if (text === '') return { status, body: null, text };
  try {
    return { status, body: JSON.parse(text) as unknown, text };
  } catch (error) {
    throw unreadable(at, { status, text }, 'not JSON', error);
  }
}

export interface HubClientOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Per-request limit; past it the request counts as unreachable. */
  timeoutMs?: number;
}

/** A method for every route of the table, answering what the route's response schema yields. */
type RouteMethods = { [N in RouteName]: (...args: never[]) => Promise<RouteResponse<N>> };

/** The hold actions by their path segment, as callers name them. */
const holdActionRoutes = {
  increase: 'increaseHold',
  settle: 'settleHold',
  release: 'releaseHold',
  refunds: 'refundHold',
  events: 'sendHoldEvent',
} as const;
type HoldAction = keyof typeof holdActionRoutes;

export class HubClient implements RouteMethods {
  private readonly fetchImpl: typeof fetch;
  constructor(private readonly options: HubClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Any route of the table by name: URL, query, body and key from `input`, the answer checked. */
  async call<N extends RouteName>(name: N, input: RouteRequest<N>): Promise<RouteResponse<N>> {
    const route: RouteSpec = hubRoutes[name];
    const { params, query, body, idempotencyKey } = input as {
      params?: Record<string, string>;
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      idempotencyKey?: string;
    };
    const path = fillPath(route.path, params) + toQuery(query ?? {});
    const sent = route.body === undefined ? undefined : (body ?? {});
    const answer = await this.send(route.method, path, sent, idempotencyKey);
    const read = (route.response ?? z.null()).safeParse(answer.body);
    if (!read.success) {
      const where = read.error.issues[0]?.path.join('.') ?? '';
      throw unreadable(
        `${route.method} ${path}`,
        answer,
        `not its answer (at "${where}")`,
        read.error,
      );
    }
    return read.data as RouteResponse<N>;
  }

  /**
   * One HTTP exchange: the parsed JSON of a success, a HubRequestError for a refusal, a
   * HubUnreachableError when nothing or nothing readable came back.
   */
  private async send(
    method: HttpMethod,
    path: string,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(new URL(path, this.options.baseUrl), {
        method,
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (error) {
      throw new HubUnreachableError(`${method} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const answer = parseAnswer(`${method} ${path}`, response.status, text);
    if (!response.ok) {
      const error = api.errorSchema.safeParse(answer.body);
      const code = error.success ? error.data.error.code : 'unknown';
      const message = error.success ? error.data.error.message : text.slice(0, 200);
      const replayed = response.headers.get('idempotent-replayed') === 'true';
      throw new HubRequestError(response.status, code, message, answer.body, replayed);
    }
    return answer;
  }

  // ---- One method per route (API.md's sections; extensions marked in the route table) ----------

  health() {
    return this.call('health', {});
  }
  openApi() {
    return this.call('openApi', {});
  }

  createClient(body: RouteBody<'createClient'>) {
    return this.call('createClient', { body });
  }
  getClient(id: string) {
    return this.call('getClient', { params: { id } });
  }
  /** The client this token belongs to (GET /v1/clients/me, an extension). */
  getOwnClient() {
    return this.call('getOwnClient', {});
  }
  revokeClient(id: string) {
    return this.call('revokeClient', { params: { id } });
  }
  rotateClientToken(id: string) {
    return this.call('rotateClientToken', { params: { id } });
  }

  createAccount(body: RouteBody<'createAccount'>, idempotencyKey?: string) {
    return this.call('createAccount', {
      body,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
  }
  getAccount(id: string) {
    return this.call('getAccount', { params: { id } });
  }
  deposit(id: string, amount: number, idempotencyKey: string) {
    return this.call('deposit', { params: { id }, body: { amount }, idempotencyKey });
  }
  listEntries(id: string, query: RouteQuery<'listEntries'> = {}) {
    return this.call('listEntries', { params: { id }, query });
  }
  /** Extension (admin): the one enrolment client that may enrol a person on this person account. */
  assignEnrollmentClient(accountId: string, clientId: string) {
    return this.call('assignEnrollmentClient', { params: { id: accountId }, body: { clientId } });
  }
  /** Extension (admin): a revoked enrolment client's persons and person accounts move to `to`. */
  transferEnrollments(from: string, to: string) {
    return this.call('transferEnrollments', { params: { id: from }, body: { to } });
  }

  placeHold(body: RouteBody<'placeHold'>, idempotencyKey: string) {
    return this.call('placeHold', { body, idempotencyKey });
  }
  getHold(id: string) {
    return this.call('getHold', { params: { id } });
  }
  listHolds(query: RouteQuery<'listHolds'> = {}) {
    return this.call('listHolds', { query });
  }
  increaseHold(id: string, body: RouteBody<'increaseHold'>, idempotencyKey: string) {
    return this.call('increaseHold', { params: { id }, body, idempotencyKey });
  }
  settleHold(id: string, body: RouteBody<'settleHold'>, idempotencyKey: string) {
    return this.call('settleHold', { params: { id }, body, idempotencyKey });
  }
  releaseHold(id: string, idempotencyKey: string) {
    return this.call('releaseHold', { params: { id }, body: {}, idempotencyKey });
  }
  refundHold(id: string, body: RouteBody<'refundHold'>, idempotencyKey: string) {
    return this.call('refundHold', { params: { id }, body, idempotencyKey });
  }
  sendHoldEvent(id: string, body: RouteBody<'sendHoldEvent'>, idempotencyKey: string) {
    return this.call('sendHoldEvent', { params: { id }, body, idempotencyKey });
  }
  /** Any hold action by its path segment (`settle`, `events`, ...), with that action's body. */
  holdAction<A extends HoldAction>(
    id: string,
    action: A,
    body: RouteBody<(typeof holdActionRoutes)[A]>,
    idempotencyKey: string,
  ) {
    const name: RouteName = holdActionRoutes[action];
    return this.call(name, { params: { id }, body, idempotencyKey } as never) as Promise<
      RouteResponse<'settleHold'>
    >;
  }

  createStandingLimit(body: RouteBody<'createStandingLimit'>, idempotencyKey?: string) {
    return this.call('createStandingLimit', {
      body,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
  }
  listStandingLimits(query: RouteQuery<'listStandingLimits'>) {
    return this.call('listStandingLimits', { query });
  }
  revokeStandingLimit(id: string) {
    return this.call('revokeStandingLimit', { params: { id } });
  }

  hubKey() {
    return this.call('hubKey', {});
  }
  createPerson(body: RouteBody<'createPerson'>, idempotencyKey?: string) {
    return this.call('createPerson', {
      body,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
  }
  findPersons(query: RouteQuery<'findPersons'>) {
    return this.call('findPersons', { query });
  }
  getPerson(id: string) {
    return this.call('getPerson', { params: { id } });
  }
  addTemplates(personId: string, body: RouteBody<'addTemplates'>) {
    return this.call('addTemplates', { params: { id: personId }, body });
  }
  deletePerson(id: string) {
    return this.call('deletePerson', { params: { id } });
  }
  unlockPin(personId: string, body: RouteBody<'unlockPin'>) {
    return this.call('unlockPin', { params: { id: personId }, body });
  }
  rekey() {
    return this.call('rekey', {});
  }
  identify(body: RouteBody<'identify'>) {
    return this.call('identify', { body });
  }
  verifyPin(body: RouteBody<'verifyPin'>) {
    return this.call('verifyPin', { body });
  }
  guardianConsent(body: RouteBody<'guardianConsent'>) {
    return this.call('guardianConsent', { body });
  }
  pinAuthorization(body: RouteBody<'pinAuthorization'>) {
    return this.call('pinAuthorization', { body });
  }

  registerKiosk(body: RouteBody<'registerKiosk'>) {
    return this.call('registerKiosk', { body });
  }
  getKiosk(id: string) {
    return this.call('getKiosk', { params: { id } });
  }
  /** A kiosk of this token's client (GET /v1/kiosks/:id, an extension): its registration, revokedAt. */
  getOwnKiosk(id: string) {
    return this.call('getOwnKiosk', { params: { id } });
  }
  revokeKiosk(id: string) {
    return this.call('revokeKiosk', { params: { id } });
  }
  provisionTransformKey(kioskId: string, body: RouteBody<'provisionTransformKey'>) {
    return this.call('provisionTransformKey', { params: { id: kioskId }, body });
  }
  /** POST /v1/kiosks/:id/alerts (an extension): a signed alert of this kiosk (face checks paused, resumed). */
  reportKioskAlert(kioskId: string, body: RouteBody<'reportKioskAlert'>) {
    return this.call('reportKioskAlert', { params: { id: kioskId }, body });
  }
  listKioskAlerts(kioskId: string, query: RouteQuery<'listKioskAlerts'> = {}) {
    return this.call('listKioskAlerts', { params: { id: kioskId }, query });
  }
}

/** `/v1/holds/:id` with `{id}` -> `/v1/holds/<id, URL-encoded>`. */
function fillPath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    assert(value !== undefined, `${path} needs the path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

function toQuery(query: Record<string, string | number | undefined>): string {
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
