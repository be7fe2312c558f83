// A sample clinic system, to copy: lists the patients checked in today (their clinic_visit holds) and
// reports a finished consultation with its fee, which settles that amount and releases the rest of the hold.
//
//   npm run clinic:sample -- --hub URL --token T                          list today's waiting visits
//   npm run clinic:sample -- --hub URL --token T --complete 3 --amount 3210   No. 3 paid ¥3,210
//
// The token is the clinic system's hub client (role event_source, event consultation.completed). It uses
// only the hub's HTTP API (fetch) and one rule of this repository, which a port writes in a few lines: the
// hub URL is https unless it names this machine's loopback, with no user:password@ (src/shared/hub-url.ts).
import { parseArgs } from 'node:util';
import { hubUrlProblem } from '../src/shared/hub-url.ts';

interface Hold {
  id: string;
  status: string;
  amount: number;
  settled: number;
  reference: string;
  template?: string;
  createdAt: string;
  expiresAt: string;
}

const { values } = parseArgs({
  options: {
    hub: { type: 'string' },
    token: { type: 'string' },
    complete: { type: 'string' },
    amount: { type: 'string' },
  },
});
const { hub, token } = values;
if (hub === undefined || token === undefined) {
  console.error(
    'usage: npm run clinic:sample -- --hub URL --token T [--complete NUMBER --amount YEN]',
  );
  process.exit(2);
}
// The token goes with every request: plain http only to this machine.
const hubProblem = hubUrlProblem(hub, {
  carries: "the clinic system's token",
  signsIn: 'clinic:sample signs in with --token',
});
if (hubProblem !== null) {
  console.error(`--hub: ${hubProblem}`);
  process.exit(2);
}

async function call<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const response = await fetch(new URL(path, hub), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      // Money moves once per key: running the same command twice cannot charge twice.
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok) {
    throw new Error(
      `${method} ${path}: ${response.status} ${answer.error?.code ?? ''} ${answer.error?.message ?? ''}`,
    );
  }
  return answer;
}

/** The kiosk names each visit's hold `visit:<day>:<queue number>:<kiosk>`. */
function queueNumber(hold: Hold): string {
  return hold.reference.split(':')[2] ?? '?';
}

/** Which reception kiosk checked the visit in: each numbers its own visits from 1 every day. */
function kioskOf(hold: Hold): string {
  return hold.reference.split(':')[3] ?? '?';
}

/** Today's waiting visits, newest first: active clinic_visit holds placed today. */
async function waitingToday(): Promise<Hold[]> {
  const today = new Date(Date.now()).toDateString();
  const found: Hold[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: { items: Hold[]; nextCursor: string | null } = await call(
      'GET',
      `/v1/holds?status=active&limit=100${cursor === '' ? '' : `&cursor=${cursor}`}`,
    );
    const todays = page.items.filter((hold) => new Date(hold.createdAt).toDateString() === today);
    found.push(...todays.filter((hold) => hold.template === 'clinic_visit'));
    // Newest first: a page that reaches yesterday is the last one needed.
    cursor = todays.length < page.items.length ? null : page.nextCursor;
  }
  return found;
}

const yen = (amount: number) => `¥${amount.toLocaleString('en-US')}`;
const waiting = await waitingToday();

if (values.complete === undefined) {
  if (waiting.length === 0) console.log('no one is waiting');
  for (const hold of waiting) {
    const time = new Date(hold.createdAt).toLocaleTimeString();
    console.log(
      `No. ${queueNumber(hold)}  ${yen(hold.amount)} held  checked in ${time}  kiosk ${kioskOf(hold)}  ${hold.id}`,
    );
  }
} else {
  const amount = Number(values.amount);
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    console.error('--amount must be a whole number of yen above 0');
    process.exit(2);
  }
  const matching = waiting.filter(
    (h) => queueNumber(h) === values.complete || h.id === values.complete,
  );
  const hold = matching[0];
  if (hold === undefined) {
    console.error(`No. ${values.complete} is not waiting today`);
    process.exit(1);
  }
  if (matching.length > 1) {
    // Two reception kiosks both gave out this number today: charging one of them could be the wrong
    // patient's visit, so the fee goes to a hold named by its id.
    console.error(
      `No. ${values.complete} is waiting at ${matching.length} kiosks today; complete it by its hold id:`,
    );
    for (const h of matching) console.error(`  kiosk ${kioskOf(h)}  ${h.id}`);
    process.exit(1);
  }
  const done: Hold = await call(
    'POST',
    `/v1/holds/${hold.id}/events`,
    { type: 'consultation.completed', data: { amount } },
    `consultation-${hold.id}`,
  );
  console.log(
    `No. ${queueNumber(done)}: paid ${yen(done.settled)}, released ${yen(done.amount - done.settled)}`,
  );
}
