// Splits the gallery's screening pass between this thread and worker threads over SharedArrayBuffer, so a
// 1M-template search uses every core; search stays synchronous (Atomics.wait), so adds never race a scan.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { assert } from '../../shared/assert.ts';
import { screenPairs } from './gallery.ts';
import type { PairScreener, ScreenJob } from './gallery.ts';

// Control words per worker, in one shared Int32Array.
const stride = 8;
const wordJob = 0; // job generation: the main thread bumps it to start a job; -1 stops the worker
const wordDone = 1; // the generation the worker finished last
const wordFrom = 2;
const wordTo = 3;
const wordDimension = 4;
const wordBuffers = 5; // version of the arrays last posted to the worker
const workerWaitMs = 10_000; // a scan of a whole shard takes milliseconds; this long means a dead worker
const parallelSlotsMin = 8_192; // below ~16k templates the hand-off costs more than it saves

const workerSource = (screenSource: string): string => `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const screenPairs = ${screenSource};
const control = new Int32Array(workerData.control);
const base = workerData.index * ${stride};
let arrays = null;
let version = 0;
let seen = 0;
for (;;) {
  Atomics.wait(control, base + ${wordJob}, seen);
  seen = Atomics.load(control, base + ${wordJob});
  if (seen < 0) break;
  while (version !== Atomics.load(control, base + ${wordBuffers})) {
    const received = receiveMessageOnPort(workerData.port);
    if (received === undefined) throw new Error('screen worker: arrays announced but not posted');
    arrays = received.message;
    version = arrays.version;
  }
  screenPairs({
    packed: arrays.packed,
    levels: arrays.levels,
    dimension: Atomics.load(control, base + ${wordDimension}),
    from: Atomics.load(control, base + ${wordFrom}),
    to: Atomics.load(control, base + ${wordTo}),
    dots: arrays.dots,
  });
  Atomics.store(control, base + ${wordDone}, seen);
  Atomics.notify(control, base + ${wordDone});
}
`;

export class ParallelScreener implements PairScreener {
  readonly threads: number;
  #control: Int32Array;
  #workers: Worker[] = [];
  #ports: MessagePort[] = [];
  #levels: Float64Array = new Float64Array(0);
  #sent: { packed: Float64Array; dots: Float64Array; levels: Float64Array } | null = null;
  #version = 0;
  #generation = 0;
  #closed = false;

  /** `threads` counts this one: 2 means one worker plus the calling thread. */
  constructor(options: { threads?: number } = {}) {
    this.threads = options.threads ?? Math.max(2, availableParallelism());
    assert(Number.isSafeInteger(this.threads) && this.threads >= 2, 'at least two threads');
    const workers = this.threads - 1;
    this.#control = new Int32Array(new SharedArrayBuffer(workers * stride * 4));
    const source = workerSource(screenPairs.toString());
    for (let index = 0; index < workers; index++) {
      const { port1, port2 } = new MessageChannel();
      const workerData = { control: this.#control.buffer, index, port: port2 };
      const worker = new Worker(source, { eval: true, workerData, transferList: [port2] });
      worker.unref();
      this.#workers.push(worker);
      this.#ports.push(port1);
    }
  }

  allocate(length: number): Float64Array {
    return new Float64Array(new SharedArrayBuffer(length * 8));
  }

  screen(options: ScreenJob): void {
    assert(!this.#closed, 'screener used after close');
    const { packed, dimension, slots, dots } = options;
    if (slots < parallelSlotsMin) {
      screenPairs({ ...options, from: 0, to: slots });
      return;
    }
    assert(packed.buffer instanceof SharedArrayBuffer, 'gallery arrays come from allocate()');
    assert(dots.buffer instanceof SharedArrayBuffer, 'gallery arrays come from allocate()');
    if (this.#levels.length !== dimension) this.#levels = this.allocate(dimension);
    this.#levels.set(options.levels);
    this.#postArrays(packed, dots);
    const chunk = Math.ceil(slots / this.threads);
    this.#generation += 1;
    this.#workers.forEach((_, index) => {
      const base = index * stride;
      const from = Math.min(slots, (index + 1) * chunk);
      Atomics.store(this.#control, base + wordFrom, from);
      Atomics.store(this.#control, base + wordTo, Math.min(slots, from + chunk));
      Atomics.store(this.#control, base + wordDimension, dimension);
      Atomics.store(this.#control, base + wordJob, this.#generation);
      Atomics.notify(this.#control, base + wordJob);
    });
    screenPairs({
      packed,
      levels: this.#levels,
      dimension,
      from: 0,
      to: Math.min(slots, chunk),
      dots,
    });
    this.#workers.forEach((_, index) => this.#awaitWorker(index));
  }

  /** Stops the workers; the screener cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#workers.forEach((_, index) => {
      Atomics.store(this.#control, index * stride + wordJob, -1);
      Atomics.notify(this.#control, index * stride + wordJob);
    });
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    for (const port of this.#ports) port.close();
  }

  /** Shares new arrays (after the gallery grew) with every worker before the job that needs them. */
  #postArrays(packed: Float64Array, dots: Float64Array): void {
    const sent = this.#sent;
    if (sent && sent.packed === packed && sent.dots === dots && sent.levels === this.#levels)
      return;
    this.#version += 1;
    this.#sent = { packed, dots, levels: this.#levels };
    const message = { version: this.#version, packed, dots, levels: this.#levels };
    this.#ports.forEach((port, index) => {
      port.postMessage(message);
      Atomics.store(this.#control, index * stride + wordBuffers, this.#version);
    });
  }

  #awaitWorker(index: number): void {
    const at = index * stride + wordDone;
    for (;;) {
      const done = Atomics.load(this.#control, at);
      if (done === this.#generation) return;
      const outcome = Atomics.wait(this.#control, at, done, workerWaitMs);
      assert(outcome !== 'timed-out', 'screen worker did not answer');
    }
  }
}
