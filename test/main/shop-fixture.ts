// The shop tests' shared set-up: a real hub with Test Shop and its one shopper, the shop's kiosk in the
// test's process on its own pending-holds file, and the shopper's payment, once instead of a copy per file.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  disposeKioskIdentity,
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { elapsedMs } from '../../src/main/monotonic-clock.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  isPostTo,
  memberPin,
  modelId,
  sameFaceAs,
  startKioskTestHubWithMember,
} from './kiosk-test-hub.ts';

/** A hub with the shop and its shopper (a deposit of `deposit`, 5,000 unless told), enrolled with `face`. */
export function startShopWithShopper(options: {
  prefix: string;
  adminToken: string;
  clock: TestClock;
  face: Float32Array;
  deposit?: number;
}): Promise<KioskTestHub> {
  return startKioskTestHubWithMember({
    prefix: options.prefix,
    adminToken: options.adminToken,
    clock: options.clock,
    setup: {
      shop: { id: 'shop', name: 'Test Shop' },
      shopper: { id: 'shopper', name: 'Sato Hanako', deposit: options.deposit ?? 5_000 },
    },
    member: { modelId, pin: memberPin, born: '1990-01-01', face: options.face },
  });
}

/**
 * startShopWithShopper, then the shop's kiosk behind `network` (fetch unless told) on `pending-holds.json`
 * in the hub's folder: the hub, the kiosk's service and link, and the shopper's member number.
 */
export async function shopWithShopperAndKiosk(options: {
  prefix: string;
  clock: TestClock;
  face: Float32Array;
  deposit?: number;
  network?: typeof fetch;
}) {
  const test = await startShopWithShopper({
    prefix: options.prefix,
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock: options.clock,
    face: options.face,
    ...(options.deposit === undefined ? {} : { deposit: options.deposit }),
  });
  try {
    const [shopper] = (await test.admin.findPersons({ accountId: 'shopper' })).items;
    if (shopper === undefined) throw new Error('the shopper is not enrolled');
    const { service, link } = await shopKiosk({
      test,
      clock: options.clock,
      network: options.network ?? fetch,
      pendingHoldsFile: path.join(test.work, 'pending-holds.json'),
    });
    return { test, service, link, memberNumber: shopper.memberNumber };
  } catch (error) {
    // The caller never gets the hub to close: no process or folder is left behind.
    await closeKioskTestHub(test);
    throw error;
  }
}

/**
 * The shop's kiosk behind `network`, keeping its lost hold requests in `pendingHoldsFile`; `now` is the
 * kiosk service's clock (its hub link seals by the hub's, `clock`). Its elapsed clock moves as `clock`
 * does (time passing), besides the machine's own. `config`: the shop's unless told (a till provisioned
 * again, with another token); `hubUrl`: the test's hub unless told; `elapsedAhead`: its elapsed clock that
 * much further ahead (a jump of the kiosk's own, read at each call).
 */
export async function shopKiosk(options: {
  test: KioskTestHub;
  clock: TestClock;
  network: typeof fetch;
  pendingHoldsFile: string;
  /** Where it keeps the till's payment requests across restarts; absent: in memory only. */
  tillRequestsFile?: string;
  now?: () => number;
  config?: KioskConfig;
  /** The hub as the kiosk reaches it: the test's hub unless told (a proxy in front of it). */
  hubUrl?: string;
  elapsedAhead?: { ms: number };
}) {
  const { test, clock, pendingHoldsFile } = options;
  const config = {
    ...(options.config ?? test.shop.config),
    hubUrl: options.hubUrl ?? test.hub.url,
  };
  const { link } = await openHubLink(config, {
    fetch: options.network,
    now: clock.now,
    elapsed: clock.now,
  });
  const now = options.now ?? clock.now;
  const elapsed = () => elapsedMs() + clock.offsetMs + (options.elapsedAhead?.ms ?? 0);
  const service = new KioskService({
    config,
    hub: link,
    modelId,
    now,
    elapsed,
    pendingHoldsFile,
    ...(options.tillRequestsFile === undefined
      ? {}
      : { tillRequestsFile: options.tillRequestsFile }),
  });
  return { service, link };
}

/** The shop's kiosk reaching the hub at `hubUrl` (a proxy in front of it), on a pending-holds file of its own. */
export function shopKioskAt(test: KioskTestHub, clock: TestClock, hubUrl: string) {
  return shopKiosk({
    test,
    clock,
    network: fetch,
    hubUrl,
    pendingHoldsFile: path.join(test.work, `pending-${randomBytes(4).toString('hex')}.json`),
  });
}

/** What startKioskRuntime gives kiosk-http, for a service the test drives itself (its till API on a port). */
export function runtimeOf(config: KioskConfig, service: KioskService) {
  return {
    config,
    handlers: service.handlers,
    service,
    subscribe: (listener: Parameters<KioskService['subscribe']>[0]) => service.subscribe(listener),
    close: async () => {},
  };
}

/**
 * The till asks for `amount` (under `reference`), the shopper (enrolled with `face`) is identified and
 * taps OK: the PIN is next. Answers the payment's id.
 */
export async function atPin(
  service: KioskService,
  face: Float32Array,
  amount: number,
  reference = `order-${amount}`,
): Promise<string> {
  const opened = service.requestFromTill({ amount, reference });
  if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
  const paymentId = opened.payment.id;
  await lookAndConfirm(service, face, paymentId);
  return paymentId;
}

/** The shopper of `face` looks at the camera for the open payment and taps OK: at the PIN. */
export async function lookAndConfirm(
  service: KioskService,
  face: Float32Array,
  paymentId: string,
): Promise<void> {
  const descriptor = Array.from(sameFaceAs(face));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  await service.handlers.confirm({ paymentId });
}

/** atPin, then the shopper types their PIN: answers the payment's id and the kiosk's answer. */
export async function pay(
  service: KioskService,
  face: Float32Array,
  amount: number,
  reference?: string,
) {
  const paymentId = await atPin(service, face, amount, reference);
  return { paymentId, answer: await service.handlers.confirm({ paymentId, pin: memberPin }) };
}

/**
 * The shop's till provisioned again, as setUpShop does it: a new merchant client of the same shop and a
 * kiosk registered under it with new keys. Its config is the shop's with the new token, kiosk id and keys.
 */
export async function provisionedAgain(test: KioskTestHub, name: string): Promise<KioskConfig> {
  const client = await test.admin.createClient({ name, role: 'merchant', merchantId: 'shop' });
  const keysDir = path.join(test.work, `keys-${name}`);
  const identity = await loadKioskIdentity({ dir: keysDir, create: true });
  if (!identity.ok) throw new Error(identity.error.message);
  const kiosk = await test.admin.registerKiosk({
    name,
    clientId: client.id,
    ...kioskPublicKeys(identity.value),
  });
  disposeKioskIdentity(identity.value);
  return { ...test.shop.config, hubToken: client.token, kioskId: kiosk.id, keysDir };
}

/** A network that loses every hold request before it reaches the hub while `lost.on`. */
export function networkLosingHoldRequests() {
  const lost = { on: true };
  const network: typeof fetch = async (input, init) => {
    if (lost.on && isPostTo('/v1/holds', input, init))
      throw new TypeError('network is unreachable');
    return fetch(input, init);
  };
  return { network, lost };
}
