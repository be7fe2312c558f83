// Argon2id off the event loop: a PIN check costs ~150 ms of CPU and 64 MiB, so the hub runs it on a
// worker thread with a bounded queue instead of stalling every payment while it hashes.
import { Worker } from 'node:worker_threads';
import { assert } from '../../shared/assert.ts';
import {
  pinArgon2MemLimitBytes,
  pinArgon2OpsLimit,
  pinChecksQueuedMax,
  pinVerifierLengthMax,
} from '../../shared/limits.ts';
import { pinDummyVerifier, pinPrehash } from './pin.ts';
import { sodium } from './sodium.ts';

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

interface Pending {
  resolve: (value: boolean | string) => void;
  reject: (error: Error) => void;
}

export class PinQueueFullError extends Error {
  override name = 'PinQueueFullError';
}

export class PinWorkerPool {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor() {
    this.#worker = new Worker(workerSource, { eval: true });
    this.#worker.unref();
    this.#worker.on(
      'message',
      (message: { id: number; ok: boolean; result?: boolean | string; error?: string }) => {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        if (message.ok && message.result !== undefined) pending.resolve(message.result);
        else pending.reject(new Error(`Argon2id worker: ${message.error ?? 'no result'}`));
      },
    );
    this.#worker.on('error', (error) => this.#failAll(error));
  }

  /** True when the PIN matches; with `verifier: null` the same work runs against a throwaway verifier. */
  async verify(options: {
    pin: Uint8Array;
    pepper: Uint8Array;
    verifier: string | null;
  }): Promise<boolean> {
    const verifier = options.verifier ?? pinDummyVerifier();
    assert(
      verifier.length <= pinVerifierLengthMax && verifier.startsWith('$argon2id$'),
      'an Argon2id verifier',
    );
    const matched = await this.#run('verify', pinPrehash(options.pin, options.pepper), verifier);
    return matched === true && options.verifier !== null;
  }

  /** The Argon2id verifier string to store in place of the PIN. */
  async create(options: { pin: Uint8Array; pepper: Uint8Array }): Promise<string> {
    const verifier = await this.#run('create', pinPrehash(options.pin, options.pepper), '');
    assert(
      typeof verifier === 'string' && verifier.startsWith('$argon2id$'),
      'libsodium made an Argon2id verifier',
    );
    return verifier;
  }

  async close(): Promise<void> {
    this.#failAll(new Error('PIN worker closed'));
    await this.#worker.terminate();
  }

  #run(op: 'verify' | 'create', prehash: Uint8Array, verifier: string): Promise<boolean | string> {
    if (this.#pending.size >= pinChecksQueuedMax) {
      sodium.memzero(prehash);
      return Promise.reject(new PinQueueFullError('too many PIN checks waiting'));
    }
    const id = this.#nextId++;
    // A private copy is transferred (never a view into libsodium's heap); the original is zeroed.
    const owned = new Uint8Array(prehash.length);
    owned.set(prehash);
    sodium.memzero(prehash);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(
        {
          id,
          op,
          prehash: owned,
          verifier,
          opsLimit: pinArgon2OpsLimit,
          memLimit: pinArgon2MemLimitBytes,
        },
        [owned.buffer],
      );
    });
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
