// The baseline of bench:hub: a Fastify server doing nothing but answer a POST of a small JSON body
// with a small JSON body, in its own process, so the hub's CPU per request reads against Fastify's own.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/echo', async (request, reply) => {
  const body = request.body as { amount?: unknown } | undefined;
  return reply.code(201).send({ id: randomUUID(), amount: body?.amount ?? null, status: 'ok' });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(`bare fastify listening on http://127.0.0.1:${port}\n`);

const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
