// `npm run hub:admin -- <command>`: the operator's tool over the hub's own HTTP API, so nobody
// hand-writes curl. Hub URL and admin token come from --url/--token or FACEPAY_HUB_URL/FACEPAY_ADMIN_TOKEN.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import {
  HubAnswerUnreadableError,
  HubClient,
  HubRequestError,
  HubUnreachableError,
} from '../shared/hub-client.ts';
import {
  roles,
  accountKinds,
  holdStatuses,
  type Role,
  type AccountKind,
  type HoldStatus,
} from '../shared/hub-api.ts';
import {
  disposeKioskIdentity,
  kioskPublicKeys,
  loadKioskIdentity,
} from '../biometrics/protect/kiosk-identity.node.ts';
import { readCommandLine, urlArgument } from '../shared/command-line.ts';
import { hubUrlProblem } from '../shared/hub-url.ts';

const usage = `usage: npm run hub:admin -- [--url URL] [--token TOKEN] <command> [options]
commands:
  create-client  --name N --role ${roles.join('|')} [--merchant ACCOUNT] [--event-types a,b]
  revoke-client  --client ID   its token is refused from the next request on
  rotate-client-token --client ID   a new token (shown once); the old one stops at once
  create-account --kind ${accountKinds.join('|')} --name N [--id ID] [--per-payment-max Y] [--daily-max Y] [--blocked-categories a,b]
  assign-enrollment-client --account ID --client CLIENT_ID
                 the one enrollment client that may enrol a person on that person account (again
                 after a station's client was replaced; refused once another client's person is on it)
  transfer-enrollments --from REVOKED_CLIENT_ID --to NEW_CLIENT_ID
                 the persons a revoked enrollment client enrolled, and the person accounts assigned
                 to it, go to its replacement (which may then erase them and unlock their PINs)
  deposit        --account ID --amount Y
  show-account   --account ID
  list-holds     [--payer ID] [--payee ID] [--status S] [--reference R] [--limit N]
  rekey          renew the cancelable transform: every stored template moves to a new key, no face needed
  register-kiosk --name N --client CLIENT_ID (--keys DIR | --signing-key B64 --box-key B64)
                 register a kiosk's public keys; --keys makes (or reads) the kiosk's key files in DIR
  find-person    --account ID | --document-hash HASH   the person enrolled on that account or document
                 (the hash an enrolment station lists when the hub's answer about a person was lost)
  erase-person   --person ID   erase that person and destroy their face templates (audited)
  show-kiosk     --kiosk ID
  revoke-kiosk   --kiosk ID   its signed requests and attestations are refused from now on
  kiosk-alerts   --kiosk ID [--limit N] [--cursor C]   what the kiosk told the hub (face checks paused
                 after failed looks in a row, or resumed by staff), newest first
environment: FACEPAY_HUB_URL (default http://127.0.0.1:8787), FACEPAY_ADMIN_TOKEN
`;

const { values, positionals } = readCommandLine(usage, () =>
  parseArgs({
    strict: true,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      merchant: { type: 'string' },
      'event-types': { type: 'string' },
      kind: { type: 'string' },
      id: { type: 'string' },
      'per-payment-max': { type: 'string' },
      'daily-max': { type: 'string' },
      'blocked-categories': { type: 'string' },
      account: { type: 'string' },
      amount: { type: 'string' },
      payer: { type: 'string' },
      payee: { type: 'string' },
      status: { type: 'string' },
      reference: { type: 'string' },
      limit: { type: 'string' },
      client: { type: 'string' },
      keys: { type: 'string' },
      'signing-key': { type: 'string' },
      'box-key': { type: 'string' },
      kiosk: { type: 'string' },
      cursor: { type: 'string' },
      'document-hash': { type: 'string' },
      person: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  }),
);

/** Each command's own flags (--url and --token go with every one): any other is refused, not ignored. */
const commandFlags: Record<string, readonly string[]> = {
  'create-client': ['name', 'role', 'merchant', 'event-types'],
  'revoke-client': ['client'],
  'rotate-client-token': ['client'],
  'create-account': ['kind', 'name', 'id', 'per-payment-max', 'daily-max', 'blocked-categories'],
  'assign-enrollment-client': ['account', 'client'],
  'transfer-enrollments': ['from', 'to'],
  deposit: ['account', 'amount'],
  'show-account': ['account'],
  'list-holds': ['payer', 'payee', 'status', 'reference', 'limit'],
  rekey: [],
  'register-kiosk': ['name', 'client', 'keys', 'signing-key', 'box-key'],
  'find-person': ['account', 'document-hash'],
  'erase-person': ['person'],
  'show-kiosk': ['kiosk'],
  'revoke-kiosk': ['kiosk'],
  'kiosk-alerts': ['kiosk', 'limit', 'cursor'],
};

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}`);
  process.exit(2);
}
function need(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') fail(`missing --${name}`);
  return value;
}
function integer(name: keyof typeof values): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  // Decimal digits only: Number() would read '0x10' as 16 and '' as 0.
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    fail(`--${name} must be a positive integer, got ${String(value)}`);
  return n;
}
const list = (value: string | boolean | undefined) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : undefined;

const command = positionals[0];
if (command === undefined) fail('no command given');
const flags = commandFlags[command];
if (flags === undefined) fail(`unknown command ${command}`);
if (positionals.length > 1) fail(`unexpected argument '${String(positionals[1])}'`);
for (const [flag, value] of Object.entries(values)) {
  if (value === undefined || flag === 'url' || flag === 'token' || flag === 'help') continue;
  if (!flags.includes(flag)) fail(`--${flag} is not an option of ${command}`);
}
if (values.url !== undefined) urlArgument(usage, '--url', values.url);
// The admin token goes with every request: https to another machine, as the kiosk's own rule (hub-url.ts).
const urlProblem = hubUrlProblem(hubUrl(), {
  carries: 'the admin token',
  signsIn: 'hub:admin signs in with --token or FACEPAY_ADMIN_TOKEN',
});
if (urlProblem !== null) {
  fail(`${values.url === undefined ? 'FACEPAY_HUB_URL' : '--url'}: ${urlProblem}`);
}

const token = values.token ?? process.env['FACEPAY_ADMIN_TOKEN'];
if (token === undefined || token === '')
  fail('no admin token: pass --token or set FACEPAY_ADMIN_TOKEN');
const hub = new HubClient({
  baseUrl: hubUrl(),
  token,
});

/** The kiosk's public keys: from its key directory (made there, 0600, when missing) or as given. */
async function kioskKeys(): Promise<{ signingPublicKey: string; boxPublicKey: string }> {
  if (values.keys === undefined)
    return { signingPublicKey: need('signing-key'), boxPublicKey: need('box-key') };
  if (values['signing-key'] !== undefined || values['box-key'] !== undefined)
    fail('give --keys or --signing-key/--box-key, not both');
  const identity = await loadKioskIdentity({ dir: values.keys, create: true });
  if (!identity.ok) fail(`kiosk keys: ${identity.error.message}`);
  try {
    return kioskPublicKeys(identity.value);
  } finally {
    disposeKioskIdentity(identity.value);
  }
}

async function run(command: string | undefined): Promise<unknown> {
  switch (command) {
    case 'create-client': {
      const role = need('role');
      if (!roles.includes(role as Role)) fail(`--role must be one of ${roles.join(', ')}`);
      const eventTypes = list(values['event-types']);
      const client = await hub.createClient({
        name: need('name'),
        role: role as Role,
        ...(values.merchant === undefined ? {} : { merchantId: values.merchant }),
        ...(eventTypes === undefined ? {} : { eventTypes }),
      });
      process.stderr.write('The token is shown once; store it now.\n');
      return client;
    }
    case 'revoke-client': {
      const client = need('client');
      await hub.revokeClient(client);
      return hub.getClient(client);
    }
    case 'rotate-client-token': {
      const rotated = await hub.rotateClientToken(need('client'));
      process.stderr.write('The new token is shown once; store it now. The old one is refused.\n');
      return rotated;
    }
    case 'create-account': {
      const kind = need('kind');
      if (!accountKinds.includes(kind as AccountKind))
        fail(`--kind must be one of ${accountKinds.join(', ')}`);
      const perPaymentMax = integer('per-payment-max');
      const dailyMax = integer('daily-max');
      const blockedCategories = list(values['blocked-categories']);
      return hub.createAccount({
        kind: kind as AccountKind,
        name: need('name'),
        currency: 'JPY',
        ...(values.id === undefined ? {} : { id: values.id }),
        ...(perPaymentMax === undefined && dailyMax === undefined
          ? {}
          : {
              limits: {
                ...(perPaymentMax === undefined ? {} : { perPaymentMax }),
                ...(dailyMax === undefined ? {} : { dailyMax }),
              },
            }),
        ...(blockedCategories === undefined ? {} : { blockedCategories }),
      });
    }
    case 'assign-enrollment-client':
      return hub.assignEnrollmentClient(need('account'), need('client'));
    case 'transfer-enrollments':
      return hub.transferEnrollments(need('from'), need('to'));
    case 'deposit': {
      const amount = integer('amount');
      if (amount === undefined) fail('missing --amount');
      return hub.deposit(need('account'), amount, `admin-cli-${randomUUID()}`);
    }
    case 'show-account':
      return hub.getAccount(need('account'));
    case 'list-holds': {
      const limit = integer('limit');
      const status = values.status;
      if (status !== undefined && !holdStatuses.includes(status as HoldStatus))
        fail(`--status must be one of ${holdStatuses.join(', ')}`);
      return hub.listHolds({
        ...(values.payer === undefined ? {} : { payer: values.payer }),
        ...(values.payee === undefined ? {} : { payee: values.payee }),
        ...(status === undefined ? {} : { status: status as HoldStatus }),
        ...(values.reference === undefined ? {} : { reference: values.reference }),
        ...(limit === undefined ? {} : { limit }),
      });
    }
    case 'rekey':
      return hub.rekey();
    case 'register-kiosk':
      return hub.registerKiosk({
        name: need('name'),
        clientId: need('client'),
        ...(await kioskKeys()),
      });
    case 'find-person': {
      const account = values.account;
      const documentHash = values['document-hash'];
      if ((account === undefined) === (documentHash === undefined))
        fail('give --account or --document-hash, one of them');
      return hub.findPersons(account === undefined ? { documentHash } : { accountId: account });
    }
    case 'erase-person': {
      const person = need('person');
      await hub.deletePerson(person);
      return { erased: person };
    }
    case 'show-kiosk':
      return hub.getKiosk(need('kiosk'));
    case 'kiosk-alerts': {
      const limit = integer('limit');
      return hub.listKioskAlerts(need('kiosk'), {
        ...(limit === undefined ? {} : { limit }),
        ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
      });
    }
    case 'revoke-kiosk': {
      const kiosk = need('kiosk');
      await hub.revokeKiosk(kiosk);
      return hub.getKiosk(kiosk);
    }
    default:
      fail(command === undefined ? 'no command given' : `unknown command ${command}`);
  }
}

/** The hub's URL as this run used it, for an operator's error line. */
function hubUrl(): string {
  return values.url ?? process.env['FACEPAY_HUB_URL'] ?? 'http://127.0.0.1:8787';
}

/**
 * One line for an answer the client could not use, or null for an error that is a bug (its stack is
 * wanted). A lost or unreadable answer leaves the request's fate unknown: a deposit may have happened.
 */
function operatorLine(error: unknown): string | null {
  if (error instanceof HubRequestError) return `hub refused: ${error.message}`;
  if (error instanceof HubAnswerUnreadableError) {
    const start = error.bodyStart.replace(/\s+/g, ' ').trim();
    return (
      `the hub at ${hubUrl()} (or a proxy before it) answered ${error.status} with what is not the hub's ` +
      `answer: ${JSON.stringify(start)}; whether the command took effect is unknown (check before retrying)`
    );
  }
  if (error instanceof HubUnreachableError) {
    return `cannot reach the hub at ${hubUrl()}: ${error.message}; whether the command took effect is unknown`;
  }
  return null;
}

try {
  const result = await run(command);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  const line = operatorLine(error);
  if (line === null) throw error;
  process.stderr.write(`${line}\n`);
  process.exit(1);
}
