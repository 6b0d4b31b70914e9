/**
 * RabbitMQ's management HTTP API (the `rabbitmq_management` plugin), as far as the platform needs
 * it: virtual host, broker users and their permissions, queue listings, closing connections.
 */
import { OswError } from '@osw/messages';

export interface Permissions {
  configure: string;
  write: string;
  read: string;
}

export interface QueueInfo {
  name: string;
  /** ready + unacknowledged */
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
}

export class RabbitManagement {
  private readonly base: string;
  private readonly auth: string;

  /** `url`: `http://user:password@host:15672` (the management listener) */
  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    const u = new URL(url);
    this.auth = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    u.username = '';
    u.password = '';
    this.base = u.toString().replace(/\/+$/, '');
  }

  /** The management URL that belongs to an AMQP URL: same host and credentials, port 15672 (15671 for amqps). */
  static urlFor(amqpUrl: string): string {
    const u = new URL(amqpUrl);
    const tls = u.protocol === 'amqps:';
    const user = u.username || 'guest';
    const pass = u.password || 'guest';
    return `${tls ? 'https' : 'http'}://${user}:${pass}@${u.hostname}:${tls ? 15671 : 15672}`;
  }

  private async call(method: string, path: string, body?: unknown, okMissing = false): Promise<any> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      // a broker without the management plugin answers AMQP but nothing on this port: say what to do
      const refused = ((cause as { cause?: { code?: string } }).cause?.code ?? '') === 'ECONNREFUSED';
      const hint = refused
        ? ' — nothing listens there: enable the plugin on the broker (`rabbitmq-plugins enable rabbitmq_management`), or set amqp.managementUrl to where it listens'
        : '';
      throw new OswError(
        'OSW_BROKER_UNREACHABLE',
        `RabbitMQ management API ${this.base} cannot be reached: ${(cause as Error).message}${hint}`,
        { cause },
      );
    }
    if (res.status === 404 && okMissing) return undefined;
    const text = await res.text();
    if (!res.ok)
      throw new OswError(
        'OSW_BROKER_PROVISIONING_FAILED',
        `RabbitMQ management API ${method} ${path}: ${res.status} ${text.slice(0, 200)}`,
      );
    return text ? JSON.parse(text) : undefined;
  }

  private static v(vhost: string) {
    return encodeURIComponent(vhost);
  }

  async putVhost(vhost: string): Promise<void> {
    await this.call('PUT', `/api/vhosts/${RabbitManagement.v(vhost)}`, {});
  }
  async deleteVhost(vhost: string): Promise<void> {
    await this.call('DELETE', `/api/vhosts/${RabbitManagement.v(vhost)}`, undefined, true);
  }
  /** creates or updates a user; no tags: it cannot use the management API itself */
  async putUser(user: string, password: string): Promise<void> {
    await this.call('PUT', `/api/users/${encodeURIComponent(user)}`, { password, tags: '' });
  }
  /** a user and its tags (`administrator`, `management`, …; RabbitMQ 3.x answers an array, older ones a comma list) */
  async getUser(user: string): Promise<{ name: string; tags: string[] } | undefined> {
    const u = (await this.call('GET', `/api/users/${encodeURIComponent(user)}`, undefined, true)) as
      { name: string; tags?: string[] | string } | undefined;
    if (!u) return undefined;
    const tags = Array.isArray(u.tags) ? u.tags : String(u.tags ?? '').split(',');
    return { name: u.name, tags: tags.map((t) => t.trim()).filter(Boolean) };
  }
  /** the vhosts a user has permissions in (queue/exchange permissions and topic permissions alike) */
  async userVhosts(user: string): Promise<string[]> {
    const u = encodeURIComponent(user);
    const rows = [
      ...(((await this.call('GET', `/api/users/${u}/permissions`, undefined, true)) ?? []) as { vhost: string }[]),
      ...(((await this.call('GET', `/api/users/${u}/topic-permissions`, undefined, true)) ?? []) as { vhost: string }[]),
    ];
    return [...new Set(rows.map((r) => r.vhost))];
  }
  async deleteUser(user: string): Promise<void> {
    await this.call('DELETE', `/api/users/${encodeURIComponent(user)}`, undefined, true);
  }
  async setPermissions(vhost: string, user: string, p: Permissions): Promise<void> {
    await this.call('PUT', `/api/permissions/${RabbitManagement.v(vhost)}/${encodeURIComponent(user)}`, p);
  }
  /** takes a user's permissions in one vhost away (its permissions elsewhere stay) */
  async clearPermissions(vhost: string, user: string): Promise<void> {
    await this.call('DELETE', `/api/permissions/${RabbitManagement.v(vhost)}/${encodeURIComponent(user)}`, undefined, true);
  }
  async listQueues(vhost: string): Promise<QueueInfo[]> {
    const rows =
      (await this.call(
        'GET',
        `/api/queues/${RabbitManagement.v(vhost)}?columns=name,messages,messages_ready,messages_unacknowledged,consumers`,
        undefined,
        true,
      )) ?? [];
    return (
      rows as { name: string; messages?: number; messages_ready?: number; messages_unacknowledged?: number; consumers?: number }[]
    ).map((r) => ({
      name: r.name,
      messages: r.messages ?? 0,
      messagesReady: r.messages_ready ?? 0,
      messagesUnacknowledged: r.messages_unacknowledged ?? 0,
      consumers: r.consumers ?? 0,
    }));
  }
  /** Peeks at up to `count` messages of a queue and puts them back (for showing dead letters). */
  async peek(vhost: string, queue: string, count: number): Promise<{ payload: string; properties: any }[]> {
    return (
      (await this.call(
        'POST',
        `/api/queues/${RabbitManagement.v(vhost)}/${encodeURIComponent(queue)}/get`,
        { count, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 2000 },
        true,
      )) ?? []
    );
  }
  /** Names of the open connections, optionally only those of one user, to one vhost. */
  async connections(user?: string, vhost?: string): Promise<{ name: string; user: string; vhost: string; user_provided_name?: string }[]> {
    const rows = ((await this.call('GET', '/api/connections?columns=name,user,vhost,user_provided_name')) ?? []) as {
      name: string;
      user: string;
      vhost: string;
      /** the connection name the peer gave (`osw-client <clientId>` for import clients) */
      user_provided_name?: string;
    }[];
    return rows.filter((r) => (user === undefined || r.user === user) && (vhost === undefined || r.vhost === vhost));
  }
  /** Closes a connection from the broker side, with a reason the client sees. */
  async closeConnection(name: string, reason: string): Promise<void> {
    await fetch(this.base + `/api/connections/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      headers: { authorization: this.auth, 'x-reason': reason },
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch(() => undefined);
  }
  async closeConnectionsOf(user: string, reason: string, vhost?: string): Promise<number> {
    const list = await this.connections(user, vhost);
    await Promise.all(list.map((c) => this.closeConnection(c.name, reason)));
    return list.length;
  }
}
