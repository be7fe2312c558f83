// Names shared by Electron's main process and the preload bridge: the global the renderer finds the
// kiosk API under and the two IPC channels, so neither side can drift from the other by a typo.

/** `window.facepayKiosk` in the renderer: the KioskApi of kiosk-api.ts, nothing else. */
export const kioskBridgeGlobalName = 'facepayKiosk';

/** Renderer -> main: ipcRenderer.invoke(kioskCallChannel, method, payload) answers a KioskResult. */
export const kioskCallChannel = 'kiosk:call';

/** Main -> renderer: webContents.send(kioskEventChannel, event) with a KioskEvent. */
export const kioskEventChannel = 'kiosk:event';
