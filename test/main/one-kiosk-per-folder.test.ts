// One kiosk process per keys folder: a second `npm run kiosk` (or the Electron shell beside the web shell) on
// the folder of a running kiosk would keep its own copy of the state files (lost hold requests, the till's
// requests, PIN locks) and overwrite the first one's money owed. It is refused at start with one sentence;
// a kiosk SIGKILLed leaves no claim behind (the kernel frees it), so its restart is taken.
import { describe, expect, it } from 'vitest';
import { startKioskRuntime } from '../../src/main/kiosk-runtime.ts';
import { killKioskProcess } from './kiosk-process.ts';
import { useShopCrashRig } from './shop-crash-rig.ts';

const { test, rig } = useShopCrashRig({ prefix: 'facepay-one-kiosk-' });

describe('a second kiosk on the keys folder of a running one', () => {
  it('is refused at start, naming the folder; the first keeps serving, and its restart after a SIGKILL is taken', async () => {
    const first = await rig().startKiosk();
    await expect(rig().startKiosk()).rejects.toThrow(
      `kiosk exited 1: kiosk: another kiosk is running on ${test().shop.config.keysDir}`,
    );
    expect((await fetch(`${first.url}/kiosk/session`)).status).toBe(200);
    // In this process too (the Electron shell's runtime beside the web shell).
    await expect(startKioskRuntime({ config: test().shop.config })).rejects.toThrow(
      'another kiosk is running on',
    );

    await killKioskProcess(first);
    const second = await rig().startKiosk();
    expect((await fetch(`${second.url}/kiosk/session`)).status).toBe(200);
    await killKioskProcess(second);
    // And once no process holds it, a runtime here takes it, and gives it back when closed.
    const here = await startKioskRuntime({ config: test().shop.config });
    await here.close();
    const third = await rig().startKiosk();
    await killKioskProcess(third);
  }, 120_000);
});
