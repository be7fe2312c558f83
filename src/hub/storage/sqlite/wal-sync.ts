// Durable commits without stalling the event loop: the writer commits with synchronous=NORMAL (no fsync
// inside COMMIT) and the WAL file is fsynced here on libuv's thread pool before the batch is answered.
import { closeSync, fstatSync, fsync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { assert } from '../../../shared/assert.ts';

/**
 * Why this is as durable as synchronous=FULL: a batch's answers wait for an fsync of the WAL that
 * starts after its COMMIT returned, so every frame of the commit (and of every commit before it) is on
 * disk first. SQLite itself still syncs the WAL header when it restarts the log and the WAL before and
 * the database after each checkpoint (it does at NORMAL), and recovery replays only a checksummed
 * prefix of frames: a crash between COMMIT and this fsync loses only commits nobody was told about.
 */
export class WalSync {
  private wal: { fd: number; ino: number } | undefined;

  constructor(private readonly databaseFile: string) {}

  /** Resolves once everything the writer wrote to the WAL before this call is on disk. */
  async sync(): Promise<void> {
    const fd = this.walFd();
    await new Promise<void>((resolve, reject) => {
      fsync(fd, (error) => (error === null ? resolve() : reject(error)));
    });
  }

  /**
   * The WAL file's descriptor, opened once (and again should the file ever be another one: SQLite keeps
   * it while a connection is open, and truncates rather than deletes it). fsync is per file, not per
   * descriptor, so this one covers SQLite's writes. The directory entry is synced when first opened.
   */
  private walFd(): number {
    const path = `${this.databaseFile}-wal`;
    const ino = statSync(path).ino;
    if (this.wal?.ino === ino) return this.wal.fd;
    this.close();
    const fd = openSync(path, 'r');
    const opened = fstatSync(fd).ino;
    assert(opened === ino, 'the WAL file did not change while it was opened');
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    this.wal = { fd, ino };
    return fd;
  }

  close(): void {
    if (this.wal !== undefined) closeSync(this.wal.fd);
    this.wal = undefined;
  }
}
