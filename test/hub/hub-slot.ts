// The hub of the running test, for test files whose tests each start one (some on a data dir they
// prepared): the clean-up stops the hub that test started, once, and nothing when its start failed.
import type { HubOptions } from '../../src/hub/hub.ts';
import { startTestHub, type TestHub } from './helpers.ts';

export interface HubSlot {
  /** Starts the test's hub and keeps it for stop(); a start that throws leaves nothing to stop. */
  start(options?: Partial<HubOptions>): Promise<TestHub>;
  /** Stops the hub the last start gave, if it is still running; does nothing otherwise. */
  stop(): Promise<void>;
}

export function hubSlot(): HubSlot {
  let running: TestHub | undefined;
  return {
    start: async (options = {}) => {
      // A hub left running by a test whose clean-up did not run is stopped before the next starts.
      await stopRunning();
      running = await startTestHub(options);
      return running;
    },
    stop: () => stopRunning(),
  };

  async function stopRunning(): Promise<void> {
    const hub = running;
    running = undefined;
    await hub?.stop();
  }
}
