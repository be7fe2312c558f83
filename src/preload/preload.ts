// The sandboxed preload: exposes exactly the KioskApi of src/shared/kiosk-api.ts as window.facepayKiosk,
// two functions over one invoke channel and one event channel; ipcRenderer itself never reaches the page.
import type { IpcRendererEvent } from 'electron';
import { contextBridge, ipcRenderer } from 'electron';
import type { KioskApi, KioskEvent, KioskResult } from '../shared/kiosk-api.ts';
import { kioskEventSchema, kioskFailure } from '../shared/kiosk-api.ts';
import {
  kioskBridgeGlobalName,
  kioskCallChannel,
  kioskEventChannel,
} from '../shared/kiosk-bridge.ts';

async function call(method: string, request: unknown): Promise<KioskResult<unknown>> {
  try {
    // Main validates the method and payload with zod and answers a value; a throw means main broke.
    return (await ipcRenderer.invoke(kioskCallChannel, method, request)) as KioskResult<unknown>;
  } catch {
    return kioskFailure('internal', 'the kiosk service did not answer');
  }
}

function onEvent(listener: (event: KioskEvent) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
  const relay = (_event: IpcRendererEvent, payload: unknown) => {
    const parsed = kioskEventSchema.safeParse(payload);
    // Checked at the receiving side like every payload; an event that does not parse is dropped.
    if (parsed.success) listener(parsed.data);
  };
  ipcRenderer.on(kioskEventChannel, relay);
  return () => {
    ipcRenderer.removeListener(kioskEventChannel, relay);
  };
}

const api = { call, onEvent } as KioskApi;

contextBridge.exposeInMainWorld(kioskBridgeGlobalName, api);
