// The base URL relative model and wasm URLs resolve against, in a page (document.baseURI) and in a
// Web Worker (its script's location), where the kiosk runs the engine off the UI thread.

export function pageBaseUrl(): string {
  return typeof document === 'undefined' ? globalThis.location.href : document.baseURI;
}
