// WAL checkpoints off the event loop: SQLite's automatic checkpoint runs inside the writer's COMMIT and
// stalls every request for 20-180 ms each time (scripts/bench-hub/checkpoint-stall.ts); here a worker
// thread with its own connection copies the WAL back into the database while the hub keeps serving.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { assert } from '../../../shared/assert.ts';

export interface WalCheckpointPolicy {
  /** A checkpoint starts after a commit at most this often ... */
  readonly intervalMs: number;
  /** ... once the WAL file has grown to this size (it is reused from its start, not shrunk, after). */
  readonly walBytesMin: number;
  /**
   * Frames in the WAL (as the last checkpoint found them) above which the writer, once a checkpoint
   * beside it has copied most of them, waits for one before its next transaction. Under unbroken load a checkpoint that runs beside the
   * writer never finds the log fully copied, and SQLite restarts the log only when it is: this bound
   * keeps the WAL (and the pages a read must search in it) from growing without end.
   */
  readonly walFramesMax: number;
}

/** At most four checkpoints a second once the WAL holds 4 MiB: hot pages rewritten within 250 ms are
 * copied once. The bound is 10,000 4-KiB frames (about 40 MB), the size at which SQLite's own
 * checkpoint ran in COMMIT before. */
export const defaultWalCheckpointPolicy: WalCheckpointPolicy = {
  intervalMs: 250,
  walBytesMin: 4 * 1024 * 1024,
  walFramesMax: 10_000,
};

export interface WalCheckpointStats {
  /** Checkpoints the worker ran. */
  readonly checkpoints: number;
  /** Of them, those the writer waited for (the WAL had passed walFramesMax). */
  readonly waited: number;
  /** Milliseconds the writer spent in those waits (for the running checkpoint, then its own). */
  readonly waitedMs: number;
  /** WAL frames and frames copied back, as the last checkpoint reported them. */
  readonly lastLogFrames: number;
  readonly lastCopiedFrames: number;
  /** Why the worker stopped, if it did: the writer then checkpoints in its own COMMIT again. */
  readonly failure: string | undefined;
}

interface CheckpointAnswer {
  readonly ok: boolean;
  readonly busy?: number;
  readonly log?: number;
  readonly checkpointed?: number;
  readonly message?: string;
}

/**
 * The worker: one connection, never in a transaction of its own, that runs `PRAGMA wal_checkpoint` when
 * told to. PASSIVE never waits for the writer or the readers; it copies what it can. At NORMAL or FULL
 * SQLite syncs the WAL before copying and the database after, as the writer's own checkpoint did.
 * Plain JavaScript evaluated as the worker's source: it runs the same under tsx and in a built app.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = ' + workerData.synchronous);
  db.pragma('wal_autocheckpoint = 0');
} catch (error) {
  parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
}
parentPort.on('message', (command) => {
  if (command === 'close') {
    if (db) db.close();
    parentPort.close();
    return;
  }
  if (!db) return parentPort.postMessage({ ok: false, message: 'no connection' });
  try {
    const row = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, busy: row.busy, log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
  }
});
`;

export class WalCheckpointer {
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  /** Answers of the worker, in order: one per command sent (or one at start-up if it could not open). */
  private readonly waiting: Array<(answer: CheckpointAnswer) => void> = [];
  private lastEndMs = Number.NEGATIVE_INFINITY;
  /** Frames in the WAL as far as the writer knows: the last checkpoint's count, 0 once it restarts. */
  private logFrames = 0;
  /** The checkpoint copying the bulk of a log past its bound, before the writer waits for the rest. */
  private catchUp: { done: boolean } | undefined;
  private stats: { -readonly [K in keyof WalCheckpointStats]: WalCheckpointStats[K] } = {
    checkpoints: 0,
    waited: 0,
    waitedMs: 0,
    lastLogFrames: 0,
    lastCopiedFrames: 0,
    failure: undefined,
  };

  constructor(
    private readonly options: {
      readonly file: string;
      readonly synchronous: 'FULL' | 'NORMAL';
      readonly policy: WalCheckpointPolicy;
      /** Called once if the worker fails: the writer must checkpoint by itself again. */
      readonly onFailure: (error: Error) => void;
      readonly now?: () => number;
    },
  ) {
    const { intervalMs, walBytesMin, walFramesMax } = options.policy;
    assert(intervalMs >= 0 && walBytesMin >= 0, 'checkpoint interval and size are not negative');
    assert(Number.isSafeInteger(walFramesMax) && walFramesMax >= 1, 'walFramesMax is a count');
  }

  /** After a batch committed: starts a checkpoint beside the writer when one is due (never waits). */
  afterCommit(): void {
    if (this.running !== undefined || this.stats.failure !== undefined) return;
    if (this.now() - this.lastEndMs < this.options.policy.intervalMs) return;
    if (this.walBytes() < this.options.policy.walBytesMin) return;
    this.start();
  }

  /**
   * Before the writer's next transaction, once the WAL has passed its bound: first a checkpoint beside
   * the writer copies the bulk of the log (nobody waits for it); the first transaction after it has
   * ended waits for one more, with the writer idle, which copies only what was written meanwhile, and
   * then restarts the log. Waiting at once instead would wait for everything written since the last
   * checkpoint (bench:hub: 10-12 ms a wait at 250 ms between checkpoints).
   */
  async beforeBegin(): Promise<void> {
    const { walFramesMax } = this.options.policy;
    if (this.stats.failure !== undefined) return;
    if (this.logFrames <= walFramesMax) {
      if (this.catchUp?.done === true) this.catchUp = undefined;
      return;
    }
    if (this.catchUp === undefined) {
      const catchUp = { done: false };
      this.catchUp = catchUp;
      const copied = () => {
        catchUp.done = true;
      };
      void (this.running ?? this.start()).then(copied, copied);
      return;
    }
    if (!this.catchUp.done) return;
    this.catchUp = undefined;
    const started = performance.now();
    await this.idle();
    // The checkpoint that was running may have found the log started again.
    const stillOver = this.logFrames > walFramesMax;
    if (this.stats.failure === undefined && stillOver) {
      this.stats.waited++;
      await this.start();
    }
    this.stats.waitedMs += performance.now() - started;
    if (this.stats.failure !== undefined || !stillOver) return;
    // It copied every frame with the writer idle: the transaction about to begin writes the log from
    // its start again (SQLite restarts a fully copied log), so the frames it reported are gone. Left
    // counted, the bound would make the next transaction wait too, for a checkpoint of one batch.
    if (this.stats.lastCopiedFrames === this.stats.lastLogFrames) this.logFrames = 0;
  }

  /** Resolves once no checkpoint runs. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  checkpointStats(): WalCheckpointStats {
    return { ...this.stats };
  }

  /** Waits for a running checkpoint, then closes the worker's connection and the worker. */
  async close(): Promise<void> {
    await this.idle();
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private walBytes(): number {
    try {
      return statSync(`${this.options.file}-wal`).size;
    } catch {
      return 0;
    }
  }

  private start(): Promise<void> {
    const running = this.checkpoint().finally(() => {
      this.running = undefined;
      this.lastEndMs = this.now();
    });
    this.running = running;
    return running;
  }

  private async checkpoint(): Promise<void> {
    const answer = await this.ask();
    if (!answer.ok) {
      this.fail(new Error(`WAL checkpoint worker: ${answer.message ?? 'failed'}`));
      return;
    }
    this.stats.checkpoints++;
    this.stats.lastLogFrames = answer.log ?? 0;
    this.logFrames = this.stats.lastLogFrames;
    this.stats.lastCopiedFrames = answer.checkpointed ?? 0;
  }

  private ask(): Promise<CheckpointAnswer> {
    const worker = this.workerStarted();
    return new Promise<CheckpointAnswer>((resolve) => {
      this.waiting.push(resolve);
      // Held while it works, so a process awaiting the answer does not exit under it.
      worker.ref();
      worker.postMessage('checkpoint');
    });
  }

  /** The worker, started on the first checkpoint: a hub whose WAL stays small never starts one. */
  private workerStarted(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(workerSource, {
      eval: true,
      // Plain JavaScript: no loader hooks (tsx's would start a hooks thread of their own).
      execArgv: [],
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: this.options.file,
        synchronous: this.options.synchronous,
      },
    });
    worker.on('message', (answer: CheckpointAnswer) => this.answer(answer));
    worker.on('error', (error) => this.answer({ ok: false, message: error.message }));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.answer({ ok: false, message: `exited with code ${code}` });
    });
    // Between checkpoints the worker does not keep the process alive: close() ends it, or exit does.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private answer(answer: CheckpointAnswer): void {
    const resolve = this.waiting.shift();
    if (this.waiting.length === 0) this.worker?.unref();
    if (resolve !== undefined) resolve(answer);
    else if (!answer.ok)
      this.fail(new Error(`WAL checkpoint worker: ${answer.message ?? 'failed'}`));
  }

  private fail(error: Error): void {
    if (this.stats.failure !== undefined) return;
    this.stats.failure = error.message;
    const worker = this.worker;
    this.worker = undefined;
    for (const resolve of this.waiting.splice(0)) resolve({ ok: false, message: error.message });
    void worker?.terminate();
    this.options.onFailure(error);
  }
}
