// The kiosk window's security policy, checked value by value: what main.electron.ts hands Electron is
// exactly these objects and answers, so a weakened preference or permission fails here, not in the field.
import { describe, expect, it } from 'vitest';
import {
  appEntryUrl,
  appOrigin,
  appSchemePrivileges,
  ipcSenderAllowed,
  isAppUrl,
  kioskContentSecurityPolicy,
  kioskCspDirectives,
  kioskResponseHeaders,
  kioskWebPreferences,
  kioskWindowOptions,
  navigationAllowed,
  permissionCheckAnswer,
  permissionRequestAnswer,
  windowOpenAnswer,
} from '../../src/main/electron/window-policy.ts';

const preload = '/opt/FacePay Kiosk/resources/app.asar/dist/preload/preload.cjs';

describe('webPreferences', () => {
  it('isolates, sandboxes and strips Node from the renderer, one preference at a time', () => {
    expect(kioskWebPreferences(preload)).toStrictEqual({
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      plugins: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      disableDialogs: true,
      safeDialogs: true,
      backgroundThrottling: false,
      autoplayPolicy: 'no-user-gesture-required',
      devTools: false,
    });
  });

  it('opens DevTools only when asked, and refuses a window without its preload', () => {
    expect(kioskWebPreferences(preload, { devTools: true }).devTools).toBe(true);
    expect(() => kioskWebPreferences('')).toThrow(/preload/);
  });

  it('makes a full-screen kiosk window without a menu bar, shown after its first paint', () => {
    const options = kioskWindowOptions({ preloadPath: preload });
    expect(options).toMatchObject({
      kiosk: true,
      fullscreen: true,
      autoHideMenuBar: true,
      show: false,
      backgroundColor: '#0f1720',
    });
    expect(options.webPreferences).toStrictEqual(kioskWebPreferences(preload));
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(
    kioskContentSecurityPolicy.split('; ').map((directive) => {
      const [name, ...sources] = directive.split(' ');
      return [name, sources.join(' ')] as const;
    }),
  );

  it('is exactly this string', () => {
    expect(kioskContentSecurityPolicy).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
        "connect-src 'self'; img-src 'self' data: blob:; media-src 'self'; style-src 'self'; " +
        "font-src 'self'; object-src 'none'; frame-src 'none'; base-uri 'none'; " +
        "frame-ancestors 'none'; form-action 'none'",
    );
    expect(directives.size).toBe(Object.keys(kioskCspDirectives).length);
  });

  it('runs only the bundle: no inline script, no eval, wasm compiles', () => {
    expect(directives.get('script-src')).toBe("'self' 'wasm-unsafe-eval'");
    expect(kioskContentSecurityPolicy).not.toContain("'unsafe-inline'");
    expect(kioskContentSecurityPolicy).not.toContain("'unsafe-eval'");
    expect(directives.get('worker-src')).toBe("'self'");
  });

  it('connects, loads media and styles only from its own origin', () => {
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('connect-src')).toBe("'self'");
    expect(directives.get('media-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('font-src')).toBe("'self'");
    expect(directives.get('img-src')).toBe("'self' data: blob:");
    expect(kioskContentSecurityPolicy).not.toMatch(/https?:|\*/);
  });

  it('shuts plugins, frames, <base>, framing and form posts', () => {
    for (const name of ['object-src', 'frame-src', 'base-uri', 'frame-ancestors', 'form-action']) {
      expect(directives.get(name), name).toBe("'none'");
    }
  });

  it('goes on every app response with nosniff', () => {
    const headers = kioskResponseHeaders('text/html; charset=utf-8');
    expect(headers['content-security-policy']).toBe(kioskContentSecurityPolicy);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('the app origin', () => {
  it('is a standard, secure, fetchable scheme that does not bypass CSP', () => {
    expect(appOrigin).toBe('app://kiosk');
    expect(appEntryUrl).toBe('app://kiosk/index.html');
    expect(appSchemePrivileges).toMatchObject({
      standard: true,
      secure: true,
      supportFetchAPI: true,
      bypassCSP: false,
      allowServiceWorkers: false,
    });
  });

  it('matches scheme, host and port exactly', () => {
    expect(isAppUrl('app://kiosk/index.html')).toBe(true);
    expect(isAppUrl('app://kiosk')).toBe(true);
    expect(isAppUrl('app://kiosk.evil.example/')).toBe(false);
    expect(isAppUrl('app://kiosk:8080/')).toBe(false);
    expect(isAppUrl('app://user@kiosk/')).toBe(false);
    expect(isAppUrl('https://kiosk/')).toBe(false);
    expect(isAppUrl('file:///opt/app/dist/renderer/index.html')).toBe(false);
    expect(isAppUrl('about:blank')).toBe(false);
    expect(isAppUrl('')).toBe(false);
    expect(isAppUrl(null)).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('navigation and windows', () => {
  it('stays on the app origin', () => {
    expect(navigationAllowed('app://kiosk/index.html#/receipt')).toBe(true);
    expect(navigationAllowed('https://example.com/')).toBe(false);
    expect(navigationAllowed('file:///etc/passwd')).toBe(false);
    expect(navigationAllowed('javascript:alert(1)')).toBe(false);
    expect(navigationAllowed('data:text/html,<h1>x</h1>')).toBe(false);
    expect(navigationAllowed('http://127.0.0.1:8787/')).toBe(false);
  });

  it('opens no new window', () => {
    expect(windowOpenAnswer()).toStrictEqual({ action: 'deny' });
  });
});

describe('permission requests', () => {
  const own = { requestingUrl: 'app://kiosk/index.html', isMainFrame: true };

  it('grants the camera to the app itself', () => {
    expect(permissionRequestAnswer({ ...own, permission: 'media', mediaTypes: ['video'] })).toBe(
      true,
    );
  });

  it('refuses the microphone, alone or with the camera, and a media request naming nothing', () => {
    expect(permissionRequestAnswer({ ...own, permission: 'media', mediaTypes: ['audio'] })).toBe(
      false,
    );
    const both = { ...own, permission: 'media', mediaTypes: ['video', 'audio'] };
    expect(permissionRequestAnswer(both)).toBe(false);
    expect(permissionRequestAnswer({ ...own, permission: 'media', mediaTypes: [] })).toBe(false);
    expect(permissionRequestAnswer({ ...own, permission: 'media' })).toBe(false);
  });

  it('refuses the camera to another origin or a subframe', () => {
    const camera = { permission: 'media', mediaTypes: ['video'] };
    for (const requestingUrl of [
      'https://example.com/',
      'http://127.0.0.1:5173/',
      'file:///opt/app/dist/renderer/index.html',
      'app://other/index.html',
      '',
    ]) {
      expect(permissionRequestAnswer({ ...camera, requestingUrl, isMainFrame: true })).toBe(false);
    }
    expect(permissionRequestAnswer({ ...own, ...camera, isMainFrame: false })).toBe(false);
  });

  it('refuses every other permission, even to the app', () => {
    for (const permission of [
      'display-capture',
      'geolocation',
      'notifications',
      'clipboard-read',
      'clipboard-sanitized-write',
      'fullscreen',
      'pointerLock',
      'keyboardLock',
      'openExternal',
      'midi',
      'midiSysex',
      'hid',
      'serial',
      'usb',
      'idle-detection',
      'window-management',
      'local-network-access',
      'storage-access',
      'unknown',
    ]) {
      expect(
        permissionRequestAnswer({ ...own, permission, mediaTypes: ['video'] }),
        permission,
      ).toBe(false);
    }
  });
});

describe('permission checks', () => {
  const own = { requestingOrigin: 'app://kiosk', isMainFrame: true };

  it('says the camera is granted to the app, so the device picker can name cameras', () => {
    expect(permissionCheckAnswer({ ...own, permission: 'media', mediaType: 'video' })).toBe(true);
    expect(
      permissionCheckAnswer({
        ...own,
        permission: 'media',
        mediaType: 'video',
        securityOrigin: 'app://kiosk',
      }),
    ).toBe(true);
  });

  it('says no to the microphone, unknown media, other origins, subframes and everything else', () => {
    const camera = { permission: 'media', mediaType: 'video' };
    expect(permissionCheckAnswer({ ...own, permission: 'media', mediaType: 'audio' })).toBe(false);
    expect(permissionCheckAnswer({ ...own, permission: 'media', mediaType: 'unknown' })).toBe(
      false,
    );
    expect(permissionCheckAnswer({ ...own, permission: 'media' })).toBe(false);
    expect(
      permissionCheckAnswer({
        ...camera,
        requestingOrigin: 'https://example.com',
        isMainFrame: true,
      }),
    ).toBe(false);
    expect(
      permissionCheckAnswer({ ...own, ...camera, securityOrigin: 'https://example.com' }),
    ).toBe(false);
    expect(permissionCheckAnswer({ ...own, ...camera, isMainFrame: false })).toBe(false);
    expect(
      permissionCheckAnswer({ ...own, ...camera, embeddingOrigin: 'https://example.com' }),
    ).toBe(false);
    for (const permission of ['geolocation', 'notifications', 'clipboard-read', 'hid', 'serial']) {
      expect(permissionCheckAnswer({ ...own, permission, mediaType: 'video' }), permission).toBe(
        false,
      );
    }
  });
});

describe('IPC senders', () => {
  const own = { frameUrl: 'app://kiosk/index.html', isMainFrame: true, fromKioskWindow: true };

  it('answers the kiosk window main frame on the app origin only', () => {
    expect(ipcSenderAllowed(own)).toBe(true);
    expect(ipcSenderAllowed({ ...own, frameUrl: 'https://example.com/' })).toBe(false);
    expect(ipcSenderAllowed({ ...own, frameUrl: null })).toBe(false);
    expect(ipcSenderAllowed({ ...own, isMainFrame: false })).toBe(false);
    expect(ipcSenderAllowed({ ...own, fromKioskWindow: false })).toBe(false);
  });
});
