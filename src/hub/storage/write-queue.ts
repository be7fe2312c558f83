// Group commit for any adapter: write jobs that arrive together run as one batch (one transaction, one
// commit), each under its own savepoint so one refusal undoes only itself; answers in arrival order.
import { assert } from '../../shared/assert.ts';
import { writeBatchJobsMax } from '../../shared/limits.ts';
import type { JobReads, StoreTx } from './port.ts';

export interface QueuedJob {
  job: (tx: StoreTx) => Promise<unknown>;
  reads: JobReads | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs one batch in one transaction and answers each job's outcome (all failed if the commit did). */
export type RunBatch = (batch: QueuedJob[]) => Promise<Outcome[]>;

/**
 * Runs each job of `batch` under `nested` (a savepoint), collecting outcomes instead of throwing;
 * `nested` is told which job of the batch it runs.
 */
export async function runJobs(
  batch: QueuedJob[],
  tx: StoreTx,
  nested: <T>(fn: () => Promise<T>, index: number) => Promise<T>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [index, item] of batch.entries()) {
    try {
      outcomes.push({ ok: true, value: await nested(() => item.job(tx), index) });
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

/** What the queue has committed so far: how well group commit groups, and how long batches hold it. */
export interface WriteQueueStats {
  readonly batches: number;
  readonly jobs: number;
  /** Jobs queued now and not yet in a batch (behind the running one): a test sees a request reach it. */
  readonly waiting?: number;
  /** Wall time inside runBatch (jobs, commit and its fsync), summed over batches. */
  readonly batchMs: number;
  /**
   * SQLite: the WAL checkpoints the writer waited for before a batch (the log had passed its bound),
   * and the wall time it spent waiting on checkpoints (part of batchMs); absent where none can happen.
   */
  readonly checkpointWaits?: number;
  readonly checkpointWaitMs?: number;
}

export class WriteQueue {
  private readonly queue: QueuedJob[] = [];
  private draining = false;
  private closed = false;
  private counted = { batches: 0, jobs: 0, batchMs: 0 };

  constructor(
    private readonly runBatch: RunBatch,
    /** false: one job per transaction (the benchmark's baseline). */
    private readonly groupCommit: boolean,
  ) {}

  write<T>(job: (tx: StoreTx) => Promise<T>, reads?: JobReads): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, reads, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the requests already read from sockets queue up before the batch starts.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.groupCommit ? writeBatchJobsMax : 1);
      const started = performance.now();
      let outcomes: Outcome[];
      try {
        outcomes = await this.runBatch(batch);
      } catch (error) {
        // A runner answers its faults as outcomes; one that throws still answers its batch, and the
        // queue goes on (left draining, every later write would wait forever).
        outcomes = batch.map(() => ({ ok: false, error }));
      }
      this.counted = {
        batches: this.counted.batches + 1,
        jobs: this.counted.jobs + batch.length,
        batchMs: this.counted.batchMs + (performance.now() - started),
      };
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        assert(outcome !== undefined, 'every job has an outcome');
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    }
    this.draining = false;
  }

  stats(): WriteQueueStats {
    return { ...this.counted, waiting: this.queue.length };
  }

  /** Refuses new jobs and resolves once the jobs already queued have their answers. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
