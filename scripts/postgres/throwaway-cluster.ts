// A throwaway PostgreSQL cluster in a temporary directory on a free port, for the tests and bench:hub:
// never the machine's default cluster. initdb and pg_ctl refuse root, so as root they run as `postgres`.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface ThrowawayCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres — the maintenance database, for CREATE DATABASE. */
  adminUrl: string;
  port: number;
  /** A URL of a fresh, empty database of this cluster (created now). */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): void;
}

/** Debian puts the server binaries in /usr/lib/postgresql/<major>/bin, off the PATH. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const dir = join(root, major, 'bin');
      if (existsSync(join(dir, 'initdb'))) return dir;
    }
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'PostgreSQL server binaries not found: apt-get install -y postgresql (the tests start their own cluster)',
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL tool, as the `postgres` user when we are root. */
function runTool(binDir: string, tool: string, args: string[]): void {
  const command = join(binDir, tool);
  if (asRoot) {
    execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
  } else {
    execFileSync(command, args, { stdio: 'pipe' });
  }
}

/** Runs `fn` on a connection to the cluster's maintenance database. */
async function asAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function requireDatabaseName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${name}`);
  return name;
}

/** The URL of database `name` on the cluster of `adminUrl`. */
export function databaseUrlOf(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${requireDatabaseName(name)}`;
  return url.toString();
}

export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${requireDatabaseName(name)}`));
}

/** Drops the database, disconnecting whoever is still on it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${requireDatabaseName(name)} WITH (FORCE)`),
  );
}

export interface ClusterOptions {
  /**
   * Durable commits (fsync + synchronous_commit), as in production. The tests turn it off: they kill
   * hub processes, never the machine, and a throwaway cluster has nothing to keep across a power loss.
   */
  durable: boolean;
}

export async function startThrowawayCluster(options: ClusterOptions): Promise<ThrowawayCluster> {
  const binDir = postgresBinDir();
  const root = mkdtempSync(join(tmpdir(), 'facepay-pg-'));
  const data = join(root, 'data');
  if (asRoot) {
    chmodSync(root, 0o700);
    chownSync(root, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), -1);
  }
  const port = await freePort();
  try {
    runTool(binDir, 'initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const settings = [
      `-p ${port}`,
      `-k ${root}`,
      "-c listen_addresses='127.0.0.1'",
      '-c max_connections=200',
      ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off']),
    ].join(' ');
    runTool(binDir, 'pg_ctl', ['-D', data, '-o', settings, '-l', join(root, 'log'), '-w', 'start']);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    adminUrl,
    port,
    async createDatabase(name) {
      await createDatabase(adminUrl, name);
      return databaseUrlOf(adminUrl, name);
    },
    dropDatabase: (name) => dropDatabase(adminUrl, name),
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        runTool(binDir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
