// Template changes committed by any hub instance, heard by every instance (LISTEN/NOTIFY), so each
// keeps its in-memory face gallery current when a person is enrolled, erased or re-keyed elsewhere.
import type pg from 'pg';
import { pgListenReconnectMs } from '../../../shared/limits.ts';
import type { TemplateChange } from '../port.ts';
import { openClient } from './pool.ts';

export const templateChannel = 'facepay_templates';

function parseChange(payload: string | undefined): TemplateChange | undefined {
  if (payload === undefined) return undefined;
  try {
    const change = JSON.parse(payload) as TemplateChange;
    if (change.kind === 'added' || change.kind === 'removed') {
      return Array.isArray(change.templateIds) ? change : undefined;
    }
    return change.kind === 'rekeyed' ? change : undefined;
  } catch {
    return undefined;
  }
}

export class TemplateFeed {
  private readonly listeners = new Set<(change: TemplateChange) => void>();
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  private constructor(private readonly databaseUrl: string) {}

  static async start(databaseUrl: string): Promise<TemplateFeed> {
    const feed = new TemplateFeed(databaseUrl);
    await feed.connect();
    return feed;
  }

  /** Calls `listener` for every change committed from now on; returns the unsubscribe. */
  subscribe(listener: (change: TemplateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: TemplateChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private async connect(): Promise<void> {
    const client = openClient(this.databaseUrl);
    client.on('notification', (message) => {
      const change = parseChange(message.payload);
      if (change !== undefined) this.emit(change);
    });
    // A lost listener connection would miss changes: reconnect, then tell listeners to resynchronise
    // from the database (what was committed while nobody listened is in the tables, not in the feed).
    client.on('error', () => this.reconnectLater(client));
    client.on('end', () => this.reconnectLater(client));
    await client.connect();
    await client.query(`LISTEN ${templateChannel}`);
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private reconnectLater(lost: pg.Client): void {
    if (this.stopped || this.client !== lost) return;
    this.client = undefined;
    lost.removeAllListeners('end');
    void lost.end().catch(() => undefined);
    this.scheduleConnect();
  }

  private scheduleConnect(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().then(
        () => this.emit({ kind: 'resync' }),
        (error: unknown) => {
          process.stderr.write(`template feed: ${(error as Error).message}; retrying\n`);
          this.scheduleConnect();
        },
      );
    }, pgListenReconnectMs);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
