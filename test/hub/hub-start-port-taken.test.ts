// A hub start that fails late (its port taken) closes what it opened: the store, and with it SQLite's
// one-hub lock, so a start on the same data folder afterwards is not refused as a second hub.
//
// Found in review: only a failure while identity opened closed the store; the listen's EADDRINUSE left
// the database open and the lock held until the process ended.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scratchDir, startTestHub, storeKind, testCalibrationFile } from './helpers.ts';

describe.runIf(storeKind === 'sqlite')('a hub start whose port is taken', () => {
  it('fails, and a start on the same data folder then succeeds', async () => {
    const dataDir = scratchDir('facepay-port-taken-');
    chmodSync(dataDir, 0o700);
    const calibrationFile = testCalibrationFile();
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const address = taken.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      await expect(
        startTestHub({ dataDir, calibrationFile, port: address.port }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      taken.close();
      await once(taken, 'close');
    }
    const t = await startTestHub({ dataDir, calibrationFile });
    try {
      expect((await t.call('GET', '/v1/accounts/none')).status).toBe(404);
      expect(t.hub.identity).toBeDefined();
    } finally {
      await t.hub.close();
    }
  });
});
