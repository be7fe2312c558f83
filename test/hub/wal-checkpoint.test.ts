// SQLite's WAL is copied back into the database by a worker thread, not in the writer's COMMIT on the
// event loop: the copies happen, the WAL stays bounded under unbroken writes, every write is still
// there after the store reopens, and a worker that fails hands checkpoints back to SQLite's own.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { WalCheckpointer } from '../../src/hub/storage/sqlite/wal-checkpoint.ts';
import type { StoreTx } from '../../src/hub/storage/port.ts';
import { tempDir } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
  const dir = tempDir('facepay-wal-checkpoint-');
  dirs.push(dir);
  return join(dir, 'hub.sqlite');
}

/** About a page of audit data per row, so the WAL grows by a frame or more per write. */
const pad = 'x'.repeat(3_000);
const appendMark = (n: number) => (tx: StoreTx) =>
  tx.appendAudit({ at: n, kind: 'test.mark', subject: `mark-${n}`, actor: 'test', data: { pad } });

/** `writers` concurrent writers, `perWriter` writes each, as a busy hub's requests arrive. */
async function writeUnbroken(store: SqliteHubStore, writers: number, perWriter: number) {
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) await store.write(appendMark(w * perWriter + i));
    }),
  );
}

describe('WAL checkpoints on a worker thread', () => {
  it("copies the WAL back while the writer's own automatic checkpoint stays off", async () => {
    const file = databaseFile();
    const store = new SqliteHubStore({
      file,
      auditKey: randomBytes(32),
      synchronous: 'FULL',
      checkpointPolicy: { intervalMs: 0, walBytesMin: 0, walFramesMax: 1_000_000 },
    });
    let written = 0;
    try {
      await writeUnbroken(store, 16, 40);
      written = 16 * 40;
      // The worker starts on the first commit and then checkpoints after commits: give it a moment.
      for (let i = 0; i < 100 && (store.checkpointStats()?.lastCopiedFrames ?? 0) === 0; i++) {
        await store.write(appendMark(10_000 + i));
        written++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const stats = store.checkpointStats();
      expect(stats?.failure).toBeUndefined();
      expect(stats?.checkpoints).toBeGreaterThan(0);
      expect(stats?.lastCopiedFrames).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    // Every write is in the database after it closed (the last connection to close empties the WAL).
    const db = new Database(file, { readonly: true });
    try {
      const marks = db
        .prepare<[], { n: number }>("SELECT count(*) AS n FROM audit_log WHERE kind = 'test.mark'")
        .get();
      expect(marks?.n).toBe(written);
    } finally {
      db.close();
    }
  });

  it('keeps the WAL bounded under unbroken writes: the writer waits for a checkpoint past the bound', async () => {
    const file = databaseFile();
    const walFramesMax = 200;
    const store = new SqliteHubStore({
      file,
      auditKey: randomBytes(32),
      synchronous: 'NORMAL',
      checkpointPolicy: { intervalMs: 0, walBytesMin: 0, walFramesMax },
    });
    try {
      // The worker is started by the first commits and reports a checkpoint before the load begins.
      for (let i = 0; i < 100 && (store.checkpointStats()?.checkpoints ?? 0) === 0; i++) {
        await store.write(appendMark(-1 - i));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // About 10,000 pages of rows: without checkpoints the WAL would hold them all (over 40 MB).
      const writers = 32;
      const perWriter = 300;
      await writeUnbroken(store, writers, perWriter);
      const stats = store.checkpointStats();
      expect(stats?.failure).toBeUndefined();
      expect(stats?.waited).toBeGreaterThan(0);
      // SQLite reuses the WAL file from its start and never shrinks it: its size is its high-water
      // mark. The bound is checked before each transaction against the last checkpoint's count, so the
      // WAL may pass it by what was written meanwhile: a few times the bound (up to 9x, 7.7 MB, on a
      // machine busy with other tests, where the checkpoint thread gets less time; 13.8 MB, 35% of the
      // load, once on a machine running two CI runs and four test sessions at once), never the whole load.
      const wholeLoadBytes = writers * perWriter * 4_096;
      expect(statSync(`${file}-wal`).size).toBeLessThan(wholeLoadBytes / 2);
    } finally {
      await store.close();
    }
  });

  it('waits once per restart of the log, for what was written while a checkpoint beside it copied the rest; after a checkpoint that copied the whole log, the next transaction begins at once', async () => {
    const file = databaseFile();
    const writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE pages (body BLOB)');
    const insert = writer.prepare<[Buffer]>('INSERT INTO pages (body) VALUES (?)');
    /** One transaction of `pages` rows of about a page each, as a batch of the hub's writer. */
    const commit = (pages: number) =>
      writer.transaction(() => {
        for (let i = 0; i < pages; i++) insert.run(randomBytes(3_000));
      })();
    const walFramesMax = 50;
    const checkpointer = new WalCheckpointer({
      file,
      synchronous: 'NORMAL',
      // Checkpoints beside the writer start only where this test calls afterCommit.
      policy: { intervalMs: 0, walBytesMin: 0, walFramesMax },
      onFailure: (error) => {
        throw error;
      },
    });
    // A reader on the snapshot before the first batch: the first checkpoint can copy none of it, so the
    // log cannot start again by itself at the next transaction, as it does under unbroken load.
    const reader = new Database(file, { readonly: true });
    try {
      reader.prepare('BEGIN').run();
      reader.prepare('SELECT count(*) FROM pages').get();
      commit(120);
      checkpointer.afterCommit(); // the first checkpoint: it finds the log past the bound
      await checkpointer.idle();
      reader.prepare('COMMIT').run();
      reader.close();
      expect(checkpointer.checkpointStats().lastLogFrames).toBeGreaterThan(walFramesMax);
      expect(checkpointer.checkpointStats().lastCopiedFrames).toBeLessThan(walFramesMax);
      // Past the bound: a checkpoint beside the writer copies the bulk first, nobody waits for it ...
      await checkpointer.beforeBegin();
      expect(checkpointer.checkpointStats().waited).toBe(0);
      commit(3);
      await checkpointer.idle();
      // ... then the writer waits for one that copies what was written meanwhile.
      await checkpointer.beforeBegin();
      expect(checkpointer.checkpointStats().waited).toBe(1);
      expect(checkpointer.checkpointStats().lastCopiedFrames).toBe(
        checkpointer.checkpointStats().lastLogFrames,
      );
      // Everything was copied back, so this transaction writes the log from its start again ...
      commit(1);
      // ... and the one after it has nothing to wait for.
      await checkpointer.beforeBegin();
      expect(checkpointer.checkpointStats().waited).toBe(1);
      commit(1);
      // The log growing past the bound again (a checkpoint beside the writer counts it) is waited for again.
      commit(120);
      checkpointer.afterCommit();
      await checkpointer.idle();
      await checkpointer.beforeBegin();
      await checkpointer.idle();
      await checkpointer.beforeBegin();
      expect(checkpointer.checkpointStats().waited).toBe(2);
    } finally {
      if (reader.open) reader.close();
      await checkpointer.close();
      writer.close();
    }
  });

  it("a worker that cannot open the database reports it once (the store then turns SQLite's own checkpoint back on) and stops", async () => {
    const failures: Error[] = [];
    const dir = tempDir('facepay-wal-checkpoint-missing-');
    dirs.push(dir);
    const checkpointer = new WalCheckpointer({
      file: join(dir, 'absent.sqlite'),
      synchronous: 'FULL',
      policy: { intervalMs: 0, walBytesMin: 0, walFramesMax: 10 },
      onFailure: (error) => failures.push(error),
    });
    checkpointer.afterCommit();
    await checkpointer.idle();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(
      /WAL checkpoint worker: .*(unable to open|does not exist)/i,
    );
    expect(checkpointer.checkpointStats().failure).toBe(failures[0]?.message);
    // No further checkpoint is tried, and closing does not hang on the stopped worker.
    checkpointer.afterCommit();
    await checkpointer.beforeBegin();
    await checkpointer.close();
    expect(failures).toHaveLength(1);
    expect(checkpointer.checkpointStats().checkpoints).toBe(0);
  });
});
