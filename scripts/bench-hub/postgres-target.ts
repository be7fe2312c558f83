// The PostgreSQL server bench:hub's PostgreSQL modes run on: a durable throwaway cluster of its own,
// or the operator's --database-url (a fresh database per mode where it may create one), and its pid.
import pg from 'pg';
import {
  createDatabase,
  databaseUrlOf,
  dropDatabase,
  startThrowawayCluster,
} from '../postgres/throwaway-cluster.ts';
import { postmasterPidOf } from './proc-cpu.ts';

/** The operator's setup cannot run the benchmark: a sentence to print, not a stack. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

export interface PostgresTarget {
  /** Where it runs, without credentials. */
  description: string;
  /** The server's postmaster, when it runs on this machine and we may read its data directory. */
  postmasterPid: number | undefined;
  /** A database for one mode (name: lower-case letters, digits, _). */
  databaseFor(mode: string): Promise<string>;
  close(): Promise<void>;
  /** At process exit, when close() could not run: what can be undone synchronously. */
  closeNow(): void;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function postmasterPidFor(url: string): Promise<number | undefined> {
  try {
    const dataDirectory = await withClient(url, async (c) => {
      const result = await c.query<{ data_directory: string }>('SHOW data_directory');
      return result.rows[0]?.data_directory;
    });
    return dataDirectory === undefined ? undefined : postmasterPidOf(dataDirectory);
  } catch {
    return undefined; // Not a superuser (or pg_read_all_settings): the server's CPU is not measured.
  }
}

function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

const suffix = Math.random().toString(36).slice(2, 8);

/** A durable (fsync on) cluster in a temporary directory, stopped and deleted by close(). */
export async function throwawayTarget(): Promise<PostgresTarget> {
  const cluster = await startThrowawayCluster({ durable: true });
  return {
    description: `throwaway cluster on 127.0.0.1:${cluster.port} (fsync on, synchronous_commit on)`,
    postmasterPid: await postmasterPidFor(cluster.adminUrl),
    databaseFor: (mode) => cluster.createDatabase(`bench_${mode}_${suffix}`),
    close: async () => cluster.stop(),
    closeNow: () => cluster.stop(),
  };
}

/**
 * The operator's server: each mode gets a database of its own, created beside the named one and
 * dropped at the end. Without the right to create one, every mode runs in the named database, which
 * must then be empty at the start (the modes' accounts have distinct names).
 */
export async function givenTarget(url: string): Promise<PostgresTarget> {
  const created: string[] = [];
  let createRefused: string | undefined;
  let checkedEmpty = false;
  return {
    description: describe(url),
    postmasterPid: await postmasterPidFor(url),
    async databaseFor(mode) {
      if (createRefused === undefined) {
        const name = `facepay_bench_${mode}_${suffix}`;
        try {
          await createDatabase(url, name);
          created.push(name);
          return databaseUrlOf(url, name);
        } catch (error) {
          createRefused = (error as Error).message;
        }
      }
      if (!checkedEmpty) {
        const tables = await withClient(url, async (c) => {
          const result = await c.query<{ n: number }>(
            // pg_class, not information_schema: that one hides the tables this role may not read.
            `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
          );
          return result.rows[0]?.n ?? 0;
        });
        if (tables > 0) {
          throw new BenchSetupError(
            `cannot create a database on ${describe(url)} (${createRefused}) and ${describe(url)} ` +
              `already holds ${tables} tables, views or sequences: bench:hub needs the right to CREATE DATABASE, or an empty database`,
          );
        }
        checkedEmpty = true;
        process.stderr.write(
          `bench:hub: cannot create databases (${createRefused}); every PostgreSQL mode runs in ${describe(url)}\n`,
        );
      }
      return url;
    },
    async close() {
      for (const name of created.splice(0)) await dropDatabase(url, name);
    },
    closeNow() {
      if (created.length > 0) {
        process.stderr.write(`bench:hub: left databases behind: ${created.join(', ')}\n`);
      }
    },
  };
}
