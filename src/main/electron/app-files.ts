// Maps an app://kiosk URL to the one file it may read (the built renderer, the verified models, tfjs's
// .wasm) and refuses everything else: other hosts, traversal, encoded separators, dotfiles, unknown types.
import path from 'node:path';
import { appHost, appScheme } from './window-policy.ts';

/** A URL prefix served from one folder, optionally only for some file extensions. */
export interface AppMount {
  /** Starts and ends with '/'; '/' is the renderer's root. */
  readonly urlPrefix: string;
  /** Absolute folder. */
  readonly dir: string;
  /** Lower-case extensions with the dot; absent: every type of contentTypes. */
  readonly extensions?: readonly string[];
}

/** What the app serves, by extension; anything else is refused rather than guessed. */
export const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming insists on this type.
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

export type AppFileAnswer =
  | { ok: true; file: string; contentType: string }
  | { ok: false; status: 400 | 404; reason: string };

/** Resolves a request URL to a file inside one mount; a refusal names why (for the main log). */
export function resolveAppFile(mounts: readonly AppMount[], requestUrl: string): AppFileAnswer {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (url.protocol !== `${appScheme}:` || url.hostname !== appHost || url.port !== '') {
    return { ok: false, status: 404, reason: `not the app's origin: ${url.protocol}//${url.host}` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, status: 400, reason: 'credentials in the URL' };
  }
  return resolveMountedFile(mounts, url.pathname);
}

/**
 * A URL path to a file inside one mount, for the app scheme and for the web shell's HTTP server alike.
 * Each segment is checked after decoding, so an encoded "/", "\\" or ".." cannot make a new one.
 */
export function resolveMountedFile(mounts: readonly AppMount[], urlPath: string): AppFileAnswer {
  const pathname = urlPath === '/' || urlPath === '' ? '/index.html' : urlPath;
  const mount = mountFor(mounts, pathname);
  if (mount === null) return { ok: false, status: 404, reason: 'outside every mount' };
  const segments = decodeSegments(pathname.slice(mount.urlPrefix.length));
  if (!segments.ok) return { ok: false, status: 400, reason: segments.reason };
  const extension = path.extname(segments.value[segments.value.length - 1] ?? '').toLowerCase();
  const contentType = contentTypes[extension];
  if (contentType === undefined || !(mount.extensions ?? [extension]).includes(extension)) {
    return { ok: false, status: 404, reason: `type not served: ${extension || '(none)'}` };
  }
  const root = path.resolve(mount.dir);
  const file = path.resolve(root, ...segments.value);
  const relative = path.relative(root, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return { ok: false, status: 400, reason: 'outside the mount' };
  }
  return { ok: true, file, contentType };
}

function mountFor(mounts: readonly AppMount[], pathname: string): AppMount | null {
  let best: AppMount | null = null;
  for (const mount of mounts) {
    if (!mount.urlPrefix.startsWith('/') || !mount.urlPrefix.endsWith('/')) {
      throw new Error(`mount prefix ${mount.urlPrefix} must start and end with '/'`);
    }
    if (!path.isAbsolute(mount.dir)) throw new Error(`mount folder ${mount.dir} must be absolute`);
    const longer = best === null || mount.urlPrefix.length > best.urlPrefix.length;
    if (pathname.startsWith(mount.urlPrefix) && longer) best = mount;
  }
  return best;
}

type Decoded = { ok: true; value: string[] } | { ok: false; reason: string };

function decodeSegments(rest: string): Decoded {
  const value: string[] = [];
  for (const raw of rest.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, reason: 'bad percent-encoding' };
    }
    if (segment === '' || segment === '.' || segment === '..') {
      return { ok: false, reason: 'empty or dot segment' };
    }
    // Separators, NUL and drive letters make a path outside the mount on some platform.
    if (/[/\\\0:]/.test(segment)) return { ok: false, reason: 'separator or NUL in a segment' };
    if (segment.startsWith('.')) return { ok: false, reason: 'dotfile' };
    value.push(segment);
  }
  return { ok: true, value };
}
