// The bare ledger that the ledger-level tests (model-based, hold deadlines) drive: a store of this run's
// adapter in a temp folder, a Ledger on the test's clock, its accounts opened, and the admin it acts as.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Clock } from '../../src/hub/clock.ts';
import { Ledger } from '../../src/hub/ledger/ledger.ts';
import type { HubStore } from '../../src/hub/storage/port.ts';
import type { ClientRecord } from '../../src/hub/storage/records.ts';
import { openTestStore, tempDir } from './helpers.ts';

/** The admin client the ledger calls are made as (no token: these tests go below the HTTP layer). */
export const ledgerAdmin: ClientRecord = {
  id: 'cli_admin',
  name: 'admin',
  role: 'admin',
  merchantId: null,
  eventTypes: [],
  tokenHash: new Uint8Array(32),
  createdAt: 0,
  revokedAt: null,
};

export interface OpenLedger<C extends Clock> {
  dir: string;
  clock: C;
  store: HubStore;
  ledger: Ledger;
  /** Closes the store and removes its temp folder. */
  close: () => Promise<void>;
}

/**
 * A fresh store in a temp folder named `prefix`, a Ledger on `clock`, and `accounts` opened as JPY merchant
 * accounts by ledgerAdmin; a failure half way closes what was opened and removes the folder.
 */
export async function openLedger<C extends Clock>(
  prefix: string,
  clock: C,
  accounts: readonly string[],
): Promise<OpenLedger<C>> {
  const dir = tempDir(prefix);
  const store = await openTestStore(dir, randomBytes(32)).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const ledger = new Ledger(clock);
  const close = async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const id of accounts) {
      await store.write((tx) =>
        ledger.createAccount(tx, ledgerAdmin, { id, kind: 'merchant', name: id, currency: 'JPY' }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { dir, clock, store, ledger, close };
}
