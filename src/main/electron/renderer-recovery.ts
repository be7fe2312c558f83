// A kiosk screen that hangs or whose renderer dies must not stay frozen or blank: what the kiosk window
// does on 'unresponsive', 'responsive' and 'render-process-gone', as logic unit tests drive without Electron.

/** How long a renderer may stay unresponsive (Chromium already waited a few seconds) before it is ended. */
export const hungRendererGraceMs = 10_000;
/** The first reload after a renderer died waits this long, doubling for each death in a row... */
export const rendererReloadDelayMs = 1_000;
/** ...up to this (a renderer that dies at every load must not spin the machine)... */
export const rendererReloadDelayMsMax = 60_000;
/** ...and deaths this long apart count as a new first one. */
export const rendererDeathsCountedForMs = 5 * 60_000;

export interface RendererRecoveryActions {
  /** Loads the kiosk page again (a new renderer process when the old one is gone). */
  reload(): void;
  /** Ends the hung renderer (webContents.forcefullyCrashRenderer); its 'render-process-gone' follows. */
  endRenderer(): void;
  /** The window is gone (the kiosk is quitting): nothing is reloaded. */
  destroyed(): boolean;
  /** A line for the kiosk's log (stderr). */
  log(line: string): void;
  /** The monotonic clock deaths are counted by; default performance.now. */
  now?: () => number;
}

export interface RendererRecovery {
  unresponsive(): void;
  responsive(): void;
  gone(details: { reason: string; exitCode: number }): void;
  /** The window closed: no timer of this window's fires any more. */
  dispose(): void;
}

export function rendererRecovery(actions: RendererRecoveryActions): RendererRecovery {
  const now = actions.now ?? (() => performance.now());
  let hung: NodeJS.Timeout | null = null;
  let reloading: NodeJS.Timeout | null = null;
  let deathsInARow = 0;
  let lastDeathMs = Number.NEGATIVE_INFINITY;
  const stopWaitingForAnswer = () => {
    if (hung !== null) clearTimeout(hung);
    hung = null;
  };
  return {
    unresponsive: () => {
      if (hung !== null || reloading !== null || actions.destroyed()) return;
      actions.log(
        `the kiosk screen is not responding; it is reloaded in ${hungRendererGraceMs} ms unless it answers`,
      );
      hung = setTimeout(() => {
        hung = null;
        if (actions.destroyed()) return;
        actions.log('the kiosk screen still does not respond: ending its renderer to reload it');
        actions.endRenderer();
      }, hungRendererGraceMs);
    },
    responsive: () => {
      if (hung === null) return;
      stopWaitingForAnswer();
      actions.log('the kiosk screen responds again');
    },
    gone: (details) => {
      stopWaitingForAnswer();
      if (actions.destroyed() || reloading !== null) return;
      const at = now();
      deathsInARow = at - lastDeathMs > rendererDeathsCountedForMs ? 1 : deathsInARow + 1;
      lastDeathMs = at;
      const delayMs = Math.min(
        rendererReloadDelayMs * 2 ** Math.min(deathsInARow - 1, 16),
        rendererReloadDelayMsMax,
      );
      actions.log(
        `the kiosk screen's renderer is gone (${details.reason}, exit code ${details.exitCode}; ` +
          `${deathsInARow} in a row): reloading in ${delayMs} ms`,
      );
      reloading = setTimeout(() => {
        reloading = null;
        if (!actions.destroyed()) actions.reload();
      }, delayMs);
    },
    dispose: () => {
      stopWaitingForAnswer();
      if (reloading !== null) clearTimeout(reloading);
      reloading = null;
    },
  };
}
