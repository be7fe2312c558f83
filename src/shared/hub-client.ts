// A typed client of the hub's HTTP API on the platform's fetch, for the kiosk, the operator CLI
// and the tests. Answers are validated with the contract's zod schemas before anyone uses them.
import { z } from 'zod';
import * as api from './hub-api.ts';

export class HubRequestError extends Error {
  override name = 'HubRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

/** The hub could not be reached (connection refused, reset, timed out): nothing is known of the request's fate. */
export class HubUnreachableError extends Error {
  override name = 'HubUnreachableError';
}

export interface HubClientOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Per-request limit; past it the request counts as unreachable. */
  timeoutMs?: number;
}

export class HubClient {
  private readonly fetchImpl: typeof fetch;
  constructor(private readonly options: HubClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  async request<S extends z.ZodType>(
    schema: S,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<z.infer<S>> {
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
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!response.ok) {
      const error = api.errorSchema.safeParse(parsed);
      const code = error.success ? error.data.error.code : 'unknown';
      const message = error.success ? error.data.error.message : text.slice(0, 200);
      throw new HubRequestError(response.status, code, message, parsed);
    }
    return schema.parse(parsed);
  }

  createClient(body: z.input<typeof api.createClientRequest>) {
    return this.request(api.createdClientSchema, 'POST', '/v1/clients', body);
  }
  createAccount(body: z.input<typeof api.createAccountRequest>) {
    return this.request(api.accountSchema, 'POST', '/v1/accounts', body);
  }
  getAccount(id: string) {
    return this.request(api.accountSchema, 'GET', `/v1/accounts/${encodeURIComponent(id)}`);
  }
  /** Extension (admin): the one enrolment client that may enrol a person on this person account. */
  assignEnrollmentClient(accountId: string, clientId: string) {
    return this.request(
      api.accountEnrollmentClientSchema,
      'PUT',
      `/v1/accounts/${encodeURIComponent(accountId)}/enrollment-client`,
      { clientId },
    );
  }
  deposit(id: string, amount: number, idempotencyKey: string) {
    return this.request(
      api.accountSchema,
      'POST',
      `/v1/accounts/${encodeURIComponent(id)}/deposits`,
      { amount },
      idempotencyKey,
    );
  }
  listEntries(id: string, query: { limit?: number; cursor?: string } = {}) {
    return this.request(
      api.listOf(api.entrySchema),
      'GET',
      `/v1/accounts/${encodeURIComponent(id)}/entries${toQuery(query)}`,
    );
  }
  createStandingLimit(body: z.input<typeof api.createStandingLimitRequest>) {
    return this.request(api.standingLimitSchema, 'POST', '/v1/standing-limits', body);
  }
  listStandingLimits(query: { payer: string; limit?: number; cursor?: string }) {
    return this.request(
      api.listOf(api.standingLimitSchema),
      'GET',
      `/v1/standing-limits${toQuery(query)}`,
    );
  }
  revokeStandingLimit(id: string) {
    return this.request(z.null(), 'DELETE', `/v1/standing-limits/${encodeURIComponent(id)}`);
  }
  placeHold(body: z.input<typeof api.placeHoldRequest>, idempotencyKey: string) {
    return this.request(api.holdSchema, 'POST', '/v1/holds', body, idempotencyKey);
  }
  getHold(id: string) {
    return this.request(api.holdSchema, 'GET', `/v1/holds/${encodeURIComponent(id)}`);
  }
  listHolds(
    query: {
      payer?: string;
      payee?: string;
      status?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ) {
    return this.request(api.listOf(api.holdSchema), 'GET', `/v1/holds${toQuery(query)}`);
  }
  health() {
    return this.request(api.healthSchema, 'GET', '/v1/health');
  }
  hubKey() {
    return this.request(api.hubKeySchema, 'GET', '/v1/hub-key');
  }
  provisionTransformKey(kioskId: string, body: z.input<typeof api.provisionTransformKeyRequest>) {
    return this.request(
      api.provisionedTransformKeySchema,
      'POST',
      `/v1/kiosks/${encodeURIComponent(kioskId)}/transform-key`,
      body,
    );
  }
  identify(body: z.input<typeof api.identifyRequest>) {
    return this.request(api.identifyResponseSchema, 'POST', '/v1/identify', body);
  }
  verifyPin(body: z.input<typeof api.verifyPinRequest>) {
    return this.request(api.authorizationSchema, 'POST', '/v1/verify-pin', body);
  }
  pinAuthorization(body: z.input<typeof api.pinAuthorizationRequest>) {
    return this.request(api.pinAuthorizationSchema, 'POST', '/v1/pin-authorizations', body);
  }
  createPerson(body: z.input<typeof api.createPersonRequest>) {
    return this.request(api.personSchema, 'POST', '/v1/persons', body);
  }
  addTemplates(personId: string, body: z.input<typeof api.addTemplatesRequest>) {
    return this.request(
      api.addedTemplatesSchema,
      'POST',
      `/v1/persons/${encodeURIComponent(personId)}/templates`,
      body,
    );
  }
  registerKiosk(body: z.input<typeof api.registerKioskRequest>) {
    return this.request(api.kioskSchema, 'POST', '/v1/admin/kiosks', body);
  }
  holdAction(
    id: string,
    action: 'increase' | 'settle' | 'release' | 'refunds' | 'events',
    body: unknown,
    idempotencyKey: string,
  ) {
    return this.request(
      api.holdSchema,
      'POST',
      `/v1/holds/${encodeURIComponent(id)}/${action}`,
      body,
      idempotencyKey,
    );
  }
}

function toQuery(query: Record<string, string | number | undefined>): string {
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
