// Argon2id off the event loop: a PIN check costs ~150 ms of CPU and 64 MiB, so the hub runs it on a
// worker thread behind bounded, fair queues (payments first) instead of stalling every payment.
import { Worker } from 'node:worker_threads';
import { assert } from '../../shared/assert.ts';
import {
  pinArgon2MemLimitBytes,
  pinArgon2OpsLimit,
  pinEnrolmentJobsQueuedMax,
  pinJobsQueuedPerClientMax,
  pinPaymentJobsQueuedMax,
  pinVerifierLengthMax,
} from '../../shared/limits.ts';
import { pinDummyVerifier, pinPrehash } from './pin.ts';
import { sodium } from './sodium.ts';
import { assertTestRun } from './test-only.ts';

// The worker only runs libsodium's Argon2id on an already peppered pre-hash: the PIN never reaches it.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const sodium = require('libsodium-wrappers-sumo');
sodium.ready.then(() => {
  parentPort.on('message', ({ id, op, prehash, verifier, opsLimit, memLimit }) => {
    try {
      const result = op === 'verify'
        ? sodium.crypto_pwhash_str_verify(verifier, prehash)
        : sodium.crypto_pwhash_str(prehash, opsLimit, memLimit);
      parentPort.postMessage({ id, ok: true, result });
    } catch (error) {
      parentPort.postMessage({ id, ok: false, error: String(error) });
    } finally {
      sodium.memzero(prehash);
    }
  });
});
`;

/**
 * Whose Argon2id work this is. Payment checks (verify-pin, the PIN fallback) run before any enrolment
 * job, so enrolments cannot starve payments; within a lane clients take turns, and each client has at
 * most pinJobsQueuedPerClientMax jobs waiting or running, so no one client fills a lane.
 */
export type PinLane = 'payment' | 'enrolment';
export interface PinJobOwner {
  lane: PinLane;
  clientId: string;
}

interface Job {
  op: 'verify' | 'create';
  owner: PinJobOwner;
  prehash: Uint8Array<ArrayBuffer>;
  verifier: string;
  resolve: (value: boolean | string) => void;
  reject: (error: Error) => void;
}

const laneOrder: readonly PinLane[] = ['payment', 'enrolment'];
const laneQueuedMax: Readonly<Record<PinLane, number>> = {
  payment: pinPaymentJobsQueuedMax,
  enrolment: pinEnrolmentJobsQueuedMax,
};

export class PinQueueFullError extends Error {
  override name = 'PinQueueFullError';
}

/**
 * Worker crashes in a row (no job finished in between) after which the pool stops starting workers and
 * refuses every job for a back-off: a worker that dies at once each time would otherwise be restarted
 * at every request. Once the back-off has passed, the next job starts a worker again.
 */
export const pinWorkerRespawnsMax = 5;
/** The first back-off after pinWorkerRespawnsMax crashes; each further crash in a row doubles it. */
export const pinWorkerBackoffFirstMs = 1_000;
/** The longest back-off: a fault that cleared (memory freed, a host recovered) is retried that often. */
export const pinWorkerBackoffMaxMs = 60_000;

export class PinWorkerFailedError extends Error {
  override name = 'PinWorkerFailedError';
}

export class PinWorkerPool {
  /** The live worker; null until the first job, after it died (the next job starts another) or closed. */
  #worker: Worker | null = null;
  /** Workers that died since a job last finished. */
  #crashes = 0;
  /**
   * Past pinWorkerRespawnsMax crashes: when (by #now, a monotonic clock) the next job may start a worker
   * again. Not the wall clock: one stepped back (NTP, a VM resumed) would lengthen the refusal by the step.
   */
  #retryAt = 0;
  readonly #now: () => number;
  #closed = false;
  /** Waiting jobs per lane, per client; a Map's insertion order is the clients' turn order. */
  readonly #waiting: Record<PinLane, Map<string, Job[]>> = {
    payment: new Map(),
    enrolment: new Map(),
  };
  readonly #waitingCount: Record<PinLane, number> = { payment: 0, enrolment: 0 };
  /** Jobs per client, waiting or running. */
  readonly #perClient = new Map<string, number>();
  #running: { id: number; job: Job } | null = null;
  #nextId = 1;

  /** `now`: the back-off's clock in ms, monotonic (performance.now() unless a test gives its own). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** A new worker; when it fails or exits, the jobs on it and waiting fail and the next job starts another. */
  #spawn(): Worker {
    const worker = new Worker(workerSource, { eval: true });
    worker.unref();
    worker.on(
      'message',
      (message: { id: number; ok: boolean; result?: boolean | string; error?: string }) => {
        const running = this.#running;
        if (worker !== this.#worker || running?.id !== message.id) return;
        this.#running = null;
        this.#crashes = 0;
        this.#release(running.job.owner);
        if (message.ok && message.result !== undefined) running.job.resolve(message.result);
        else running.job.reject(new Error(`Argon2id worker: ${message.error ?? 'no result'}`));
        this.#dispatch();
      },
    );
    // 'error' comes before 'exit' when the worker throws; 'exit' alone when it is killed or ends.
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) =>
      this.#lost(worker, new Error(`Argon2id worker exited (code ${code})`)),
    );
    return worker;
  }

  /** Drops a dead worker: its job and the waiting ones fail; the next job starts a new worker. */
  #lost(worker: Worker, error: Error): void {
    if (worker !== this.#worker) return;
    this.#worker = null;
    if (this.#closed) return;
    this.#crashes += 1;
    const beyond = this.#crashes - pinWorkerRespawnsMax;
    if (beyond > 0)
      this.#retryAt =
        this.#now() + Math.min(pinWorkerBackoffFirstMs * 2 ** (beyond - 1), pinWorkerBackoffMaxMs);
    void worker.terminate();
    this.#failAll(new PinWorkerFailedError(`Argon2id worker failed: ${error.message}`));
  }

  /** For tests only: kills the live worker (a real crash, as an out-of-memory kill would be). */
  async dangerousTestOnlyKillWorker(): Promise<void> {
    assertTestRun('dangerousTestOnlyKillWorker');
    await this.#worker?.terminate();
  }

  /** True when the PIN matches; with `verifier: null` the same work runs against a throwaway verifier. */
  async verify(options: {
    pin: Uint8Array;
    pepper: Uint8Array;
    verifier: string | null;
    owner: PinJobOwner;
  }): Promise<boolean> {
    const verifier = options.verifier ?? pinDummyVerifier();
    assert(
      verifier.length <= pinVerifierLengthMax && verifier.startsWith('$argon2id$'),
      'an Argon2id verifier',
    );
    const prehash = pinPrehash(options.pin, options.pepper);
    const matched = await this.#run('verify', options.owner, prehash, verifier);
    return matched === true && options.verifier !== null;
  }

  /** The Argon2id verifier string to store in place of the PIN. */
  async create(options: {
    pin: Uint8Array;
    pepper: Uint8Array;
    owner: PinJobOwner;
  }): Promise<string> {
    const prehash = pinPrehash(options.pin, options.pepper);
    const verifier = await this.#run('create', options.owner, prehash, '');
    assert(
      typeof verifier === 'string' && verifier.startsWith('$argon2id$'),
      'libsodium made an Argon2id verifier',
    );
    return verifier;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(new Error('PIN worker closed'));
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  #run(
    op: 'verify' | 'create',
    owner: PinJobOwner,
    prehash: Uint8Array,
    verifier: string,
  ): Promise<boolean | string> {
    const backingOff = this.#crashes > pinWorkerRespawnsMax && this.#now() < this.#retryAt;
    if (this.#closed || backingOff) {
      sodium.memzero(prehash);
      return Promise.reject(
        new PinWorkerFailedError(
          this.#closed
            ? 'PIN worker closed'
            : `the Argon2id worker failed ${this.#crashes} times in a row; not started again for ` +
                `${Math.ceil((this.#retryAt - this.#now()) / 1000)} s`,
        ),
      );
    }
    const mine = this.#perClient.get(owner.clientId) ?? 0;
    if (
      this.#waitingCount[owner.lane] >= laneQueuedMax[owner.lane] ||
      mine >= pinJobsQueuedPerClientMax
    ) {
      sodium.memzero(prehash);
      return Promise.reject(new PinQueueFullError(`too many ${owner.lane} PIN jobs waiting`));
    }
    // A private copy is kept until it is transferred (never a view into libsodium's heap).
    const owned = new Uint8Array(prehash.length);
    owned.set(prehash);
    sodium.memzero(prehash);
    this.#perClient.set(owner.clientId, mine + 1);
    return new Promise((resolve, reject) => {
      const lane = this.#waiting[owner.lane];
      const queue = lane.get(owner.clientId) ?? [];
      queue.push({ op, owner, prehash: owned, verifier, resolve, reject });
      lane.set(owner.clientId, queue);
      this.#waitingCount[owner.lane] += 1;
      this.#dispatch();
    });
  }

  /** One job at a time on the worker: the next one is picked only when the lane order says so. */
  #dispatch(): void {
    if (this.#running !== null) return;
    const job = this.#takeNext();
    if (job === undefined) return;
    const id = this.#nextId++;
    this.#running = { id, job };
    this.#worker ??= this.#spawn();
    this.#worker.postMessage(
      {
        id,
        op: job.op,
        prehash: job.prehash,
        verifier: job.verifier,
        opsLimit: pinArgon2OpsLimit,
        memLimit: pinArgon2MemLimitBytes,
      },
      [job.prehash.buffer],
    );
  }

  /** Payments first; within a lane the client whose turn it is, who then goes to the back. */
  #takeNext(): Job | undefined {
    for (const laneName of laneOrder) {
      const lane = this.#waiting[laneName];
      for (const [clientId, queue] of lane) {
        const job = queue.shift();
        lane.delete(clientId);
        if (queue.length > 0) lane.set(clientId, queue);
        if (job === undefined) continue;
        this.#waitingCount[laneName] -= 1;
        return job;
      }
    }
    return undefined;
  }

  #release(owner: PinJobOwner): void {
    const left = (this.#perClient.get(owner.clientId) ?? 0) - 1;
    assert(left >= 0, 'a client releases only jobs it had');
    if (left === 0) this.#perClient.delete(owner.clientId);
    else this.#perClient.set(owner.clientId, left);
  }

  #failAll(error: Error): void {
    const running = this.#running;
    this.#running = null;
    if (running !== null) running.job.reject(error);
    for (const laneName of laneOrder) {
      for (const queue of this.#waiting[laneName].values()) {
        for (const job of queue) {
          sodium.memzero(job.prehash);
          job.reject(error);
        }
      }
      this.#waiting[laneName].clear();
      this.#waitingCount[laneName] = 0;
    }
    this.#perClient.clear();
  }
}
