// The station's way to the hub in the credentials e2e tests: every request passed on as it is, until the
// test puts the station's rotated token right, as an administrator would in station.json (then a restart).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Once `newToken` is set, the station's old token is replaced by it on the way, as if the administrator had
 * put the rotated token in station.json and restarted the station (the hub then accepts it again, without
 * the page being opened anew).
 */
export interface TokenProxy {
  url: string;
  newToken: { from: string; to: string } | null;
  close(): Promise<void>;
}

export async function startTokenProxy(hubUrl: string): Promise<TokenProxy> {
  const proxy: TokenProxy = { url: '', newToken: null, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    void passOn(request)
      .then(async (answer) => {
        response.writeHead(answer.status, {
          'content-type': answer.headers.get('content-type') ?? 'application/json',
        });
        response.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch(() => response.destroy());
  });
  async function passOn(request: IncomingMessage): Promise<Response> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (['host', 'connection', 'content-length'].includes(name) || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const swap = proxy.newToken;
    if (swap !== null && headers.get('authorization') === `Bearer ${swap.from}`) {
      headers.set('authorization', `Bearer ${swap.to}`);
    }
    const method = request.method ?? 'GET';
    return fetch(`${hubUrl}${request.url ?? '/'}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return proxy;
}
