// The kiosk's background rounds (the hub's health and reconcile, idle payments and locks, the clinic board)
// run on timers: one failing round (a full disk, a bug) must neither end them all nor crash the process.
import { assert } from '../shared/assert.ts';

export interface Ticking {
  /**
   * No round starts after this; one in progress finishes and schedules nothing. Resolves once it has
   * finished (at once when none runs): the caller may then dispose what rounds use (the link, the keys).
   */
  stop(): Promise<void>;
}

/**
 * Runs `round` now, then again after the delay each round returns, until stopped. The first round's
 * failure is the caller's (a kiosk that cannot do its first round does not start). A later round that
 * throws is told to `onError` (it would otherwise be an unhandled rejection, which ends a Node process)
 * and the next one runs `retryMs` later.
 */
export async function startTicking(options: {
  round: () => Promise<number>;
  retryMs: number;
  onError: (error: unknown) => void;
}): Promise<Ticking> {
  const { round, retryMs, onError } = options;
  assert(retryMs > 0, 'a failed round is retried after a pause');
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  /** The round running now (a later one: the first is the caller's own await). */
  let running: Promise<void> | null = null;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = later().finally(() => {
        running = null;
      });
    }, delayMs);
  };
  const later = async () => {
    timer = null;
    let delayMs = retryMs;
    try {
      delayMs = await round();
    } catch (error) {
      onError(error);
    }
    schedule(delayMs);
  };
  schedule(await round());
  return {
    stop: async () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

/** One line on stderr for a background round that failed: the operator's log, never a stack to a screen. */
export function reportBackgroundFailure(what: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`kiosk: ${what} failed, trying again: ${message}`);
}
