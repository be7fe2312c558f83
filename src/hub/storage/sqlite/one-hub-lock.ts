// One hub process per SQLite database: the hub keeps state beside the database that a second process
// would not see (the PIN and request throttles, the expiry sweeper, the WAL bound), so a second hub on
// the same data folder is refused at start instead of silently diverging.
import Database from 'better-sqlite3';
import { DataDirError } from '../../data-dir.ts';

/** Held while the hub runs; the kernel drops it when the process dies, however it dies. */
export interface OneHubLock {
  release(): void;
}

/** The lock file beside the database: an empty SQLite file whose exclusive lock is the claim. */
export function oneHubLockFile(databaseFile: string): string {
  return `${databaseFile}.hub-lock`;
}

/**
 * Claims the database for this process, or throws naming the file when another hub (another process,
 * or another store in this one) holds it. The claim is an open exclusive transaction on the lock file:
 * a POSIX lock, released by close or by the process's death, never left behind by a crash.
 */
export function claimDatabaseForOneHub(databaseFile: string): OneHubLock {
  const file = oneHubLockFile(databaseFile);
  const db = new Database(file, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      // The operator's mistake, told as one sentence by the hub command (a DataDirError, no stack).
      throw new DataDirError(
        `another hub is running on ${databaseFile} (its lock ${file} is held): one hub process per SQLite database`,
      );
    }
    throw error;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
