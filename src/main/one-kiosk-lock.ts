// One kiosk process per keys folder: the kiosk keeps state there (lost hold requests, the till's requests,
// PIN locks, the face-check pause) in memory and writes it whole, so a second process on the same folder
// (two `npm run kiosk`, or Electron and the web shell) would overwrite the first one's money owed with its own.
//
// The claim is a listening Unix socket: on Linux in the abstract namespace, named by the folder's real path,
// which the kernel frees when the process dies, however it dies (nothing left behind by a crash). Elsewhere a
// socket file in the folder, taken over when nobody answers on it (a crash left it).
import { createHash } from 'node:crypto';
import { realpathSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Held while the kiosk runs. */
export interface KeysFolderClaim {
  release(): Promise<void>;
}

/** The folder's claims held by this process: a second runtime in one process (tests) shares the claim. */
const heldHere = new Map<string, { holders: number; server: net.Server }>();

/** The socket address that claims `keysDir` (the folder must exist). */
export function claimAddress(keysDir: string): string {
  const real = realpathSync(keysDir);
  if (process.platform === 'linux') {
    const digest = createHash('sha256').update(real, 'utf8').digest('hex').slice(0, 40);
    return `\0facepay-kiosk-${digest}`;
  }
  return path.join(real, 'kiosk.lock');
}

/**
 * Claims `keysDir` for this process, or throws a sentence naming the folder when another process holds it.
 */
export async function claimKeysFolder(keysDir: string): Promise<KeysFolderClaim> {
  const address = claimAddress(keysDir);
  let held = heldHere.get(address);
  if (held === undefined) {
    const server = await listenOrTakeOver(address, keysDir);
    held = { holders: 0, server };
    heldHere.set(address, held);
  }
  held.holders += 1;
  const claim = held;
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      claim.holders -= 1;
      if (claim.holders > 0) return;
      heldHere.delete(address);
      await new Promise<void>((resolve) => claim.server.close(() => resolve()));
    },
  };
}

async function listenOrTakeOver(address: string, keysDir: string): Promise<net.Server> {
  try {
    return await listen(address);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  }
  if (address.startsWith('\0') || (await answers(address))) {
    throw new Error(
      `another kiosk is running on ${keysDir} (one kiosk process per keys folder): stop it first`,
    );
  }
  // A socket file nobody listens on: a kiosk that crashed (not Linux).
  rmSync(address, { force: true });
  return listen(address);
}

function listen(address: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // Whoever connects learns only that the folder is taken: the connection is closed at once.
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ path: address, exclusive: true }, () => {
      server.off('error', reject);
      server.unref();
      resolve(server);
    });
  });
}

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: address });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
