// Which hub URLs a kiosk, hub:admin or clinic:sample may talk to: their traffic carries tokens (and a kiosk's
// sealed probes and PINs), so a hub on another machine must be https; plain http only to this machine's loopback.

/** The URL as the log may show it: any userinfo (`user:password@`) left out, the rest as written. */
export function hubUrlForLog(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Unparsable: nothing up to its last '@' is shown, wherever the parser would have put the userinfo.
    const at = url.lastIndexOf('@');
    return at === -1 ? url : `…@${url.slice(at + 1)}`;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  // The parser found userinfo (also in ' https://u:pw@h/' or 'https:u:pw@h/'): its own URL, without it.
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

/** The hosts plain http may name: this machine's loopback as the URL parser writes it. */
const loopbackHosts: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Who talks to the hub, as a refusal names it: what its traffic carries, and how it signs in instead of userinfo. */
export interface HubUrlUser {
  carries: string;
  signsIn: string;
}

/** The kiosk (its config's hubUrl, `--hub`, HubLink, the set-up scripts). */
export const kioskHubUrlUser: HubUrlUser = {
  carries: "the till's token, sealed faces and PINs",
  signsIn: 'the kiosk signs in to its hub with hubToken',
};

/** Why `text` is no hub URL `user` may use (a sentence naming the fix), or null when it is one. */
export function hubUrlProblem(text: string, user: HubUrlUser = kioskHubUrlUser): string | null {
  // Never the URL's user or password in a refusal (it goes to the log, the terminal, a set-up's output).
  const shown = hubUrlForLog(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `'${shown}' is not a URL`;
  }
  // Node's fetch refuses a URL with credentials, so such a kiosk could never reach its hub; it signs in
  // with its hubToken instead.
  if (url.username !== '' || url.password !== '') {
    return (
      `${shown} (as written, with a user name or password before '@') must not carry credentials: ` +
      `leave out 'user:password@' (${user.signsIn})`
    );
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return `${shown} must be an https:// URL`;
  if (loopbackHosts.has(url.hostname)) return null;
  return (
    `${shown} is plain http to another machine, but the hub's traffic carries ${user.carries}: ` +
    `use https://${url.host}${url.pathname === '/' ? '' : url.pathname} ` +
    '(plain http is allowed only to 127.0.0.1, ::1 or localhost)'
  );
}

/** `text` when it is a hub URL a kiosk may use; otherwise an Error saying where it came from and the fix. */
export function checkedHubUrl(text: string, from: string): string {
  const problem = hubUrlProblem(text);
  if (problem !== null) throw new Error(`${from}: ${problem}`);
  return text;
}
