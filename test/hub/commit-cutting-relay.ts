// A TCP relay between a hub and PostgreSQL that loses a transaction's COMMIT answer on the hub's side,
// for the re-key suites whose commit outcome the hub is never told (PostgreSQL project only).
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** A simple-protocol COMMIT: 'Q', length 11, "COMMIT\0". */
const commitMessage = Buffer.concat([
  Buffer.from([0x51, 0, 0, 0, 11]),
  Buffer.from('COMMIT\0', 'latin1'),
]);

/** A re-key's row update: the default mark of the connection whose COMMIT is held. */
export const rekeyedRowWrite = 'UPDATE templates SET sealed';

/** What one relayed connection sent (its first 64 KiB), and the server's answers held back from it. */
interface Relayed {
  server: Socket;
  client: Socket;
  sent: string;
  answersHeld: Buffer[] | undefined;
}

/**
 * A TCP relay to PostgreSQL. Once armed, the first connection that sends `mark` (a re-key's row update
 * unless told otherwise) has its next COMMIT held: the hub's side is cut at once (armHold: kept, still
 * waiting for the answer), the server's side kept, and the COMMIT is handed to the server by
 * releaseCommit(), or never by dropCommit(). holdAnswers() holds back what the server sends to the
 * connections that sent a given text (a LISTEN's notifications), until releaseAnswers().
 */
export class CommitCuttingRelay {
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Relayed>();
  private armed = false;
  private cutHub = true;
  private held: { server: Socket; bytes: Buffer } | undefined;
  heldOnce = false;

  private readonly server: Server;
  port = 0;

  private constructor(
    target: { host: string; port: number },
    private readonly mark: string,
  ) {
    this.server = createServer((client) => this.relay(client, target));
  }

  static async start(
    target: { host: string; port: number },
    mark = rekeyedRowWrite,
  ): Promise<CommitCuttingRelay> {
    const relay = new CommitCuttingRelay(target, mark);
    relay.server.listen(0, '127.0.0.1');
    await once(relay.server, 'listening');
    const address = relay.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    relay.port = address.port;
    return relay;
  }

  /** `databaseUrl` reached through this relay. */
  urlThrough(databaseUrl: string): string {
    const relayed = new URL(databaseUrl);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(this.port);
    return relayed.href;
  }

  arm(): void {
    this.armed = true;
  }

  /** As arm(), but the hub's side stays: it waits for the COMMIT's answer until releaseCommit(). */
  armHold(): void {
    this.cutHub = false;
    this.armed = true;
  }

  /** From now on, what the server sends to each connection that sent `text` is held back. */
  holdAnswers(text: string): number {
    let held = 0;
    for (const connection of this.connections) {
      if (!connection.sent.includes(text)) continue;
      connection.answersHeld ??= [];
      held++;
    }
    return held;
  }

  /** The answers held back go to their connections, and are relayed as they come again. */
  releaseAnswers(): void {
    for (const connection of this.connections) {
      const held = connection.answersHeld;
      connection.answersHeld = undefined;
      for (const chunk of held ?? []) connection.client.write(chunk);
    }
  }

  private relay(client: Socket, target: { host: string; port: number }): void {
    const server = connect(target.port, target.host);
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const connection: Relayed = { server, client, sent: '', answersHeld: undefined };
    this.connections.add(connection);
    let sawMark = false;
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      if (connection.sent.length < 65_536) connection.sent += chunk.toString('latin1');
      const text = tail + chunk.toString('latin1');
      if (text.includes(this.mark)) sawMark = true;
      tail = text.slice(-this.mark.length);
      const at = chunk.indexOf(commitMessage);
      if (this.armed && !this.heldOnce && sawMark && at >= 0) {
        this.heldOnce = true;
        server.write(chunk.subarray(0, at));
        this.held = { server, bytes: Buffer.from(chunk.subarray(at)) };
        if (!this.cutHub) return;
        // The hub's side goes now; the server's waits, its transaction open, for the COMMIT.
        server.removeAllListeners('data');
        client.destroy();
        return;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (connection.answersHeld === undefined) client.write(chunk);
      else connection.answersHeld.push(chunk);
    });
    client.on('close', () => {
      this.connections.delete(connection);
      if (this.held?.server !== server) server.destroy();
    });
    server.on('close', () => client.destroy());
  }

  /** The held COMMIT goes to the server; resolves once the server answered it. */
  async releaseCommit(): Promise<void> {
    const held = this.held;
    if (held === undefined) throw new Error('no COMMIT held');
    const answered = once(held.server, 'data');
    held.server.write(held.bytes);
    await answered;
    if (this.cutHub) held.server.destroy();
    this.held = undefined;
  }

  /**
   * After armHold(): the held COMMIT goes to the server, and once the server answered, the hub's side is
   * cut without that answer (the re-key committed, the hub never told).
   */
  async commitThenCutHub(): Promise<void> {
    const held = this.held;
    if (held === undefined) throw new Error('no COMMIT held');
    const connection = [...this.connections].find((c) => c.server === held.server);
    if (connection === undefined) throw new Error('the held connection is gone');
    connection.answersHeld ??= [];
    const answered = once(held.server, 'data');
    held.server.write(held.bytes);
    await answered;
    this.held = undefined;
    connection.client.destroy();
  }

  /** The held COMMIT never goes: the server's side is closed, and the server rolls the transaction back. */
  dropCommit(): void {
    const held = this.held;
    if (held === undefined) throw new Error('no COMMIT held');
    held.server.destroy();
    this.held = undefined;
  }

  /** A test's clean-up: a COMMIT still held is dropped (dropCommit), so the hub's stop does not wait on it. */
  dropAnyCommit(): void {
    if (this.held !== undefined) this.dropCommit();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}
