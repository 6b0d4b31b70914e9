/**
 * Who is on the other end of the exchange, for the HTTP routes and the RabbitMQ consumer alike: a
 * registered client, active, on the device it is bound to (设备绑定). Over HTTP the client proves
 * itself with its id and secret; over RabbitMQ the broker checked its user's password, and the
 * queue a message came from says which client sent it — never the message's own claims.
 */
import { OswError } from '@osw/messages';
import { DEVICE_PATTERN, EXCHANGE_HEADER } from '@osw/messages/exchange';
import type { ClientRow } from '../clients/store.js';
import { exchangeRules, FailedAttempts } from '../identity/attempts.js';
import { tokenHash, verifyNothing, verifySecret } from '../identity/secrets.js';
import type { Clock, Logger } from '../ports.js';
import type { Store } from '../store.js';

type Deps = { store: Store; clock: Clock; logger: Logger };

/**
 * Authenticates import clients. Verified secrets are remembered (as SHA-256) so that scrypt runs
 * once per client and process, not once per message. Wrong secrets are counted per (client,
 * address), per address and per client (`attempts`): over a limit the check is refused
 * (`OSW_AUTH_RATE_LIMITED`) before scrypt runs — except for a secret this process has verified
 * already, so that guessing at a client's id does not stop the client itself.
 */
export class ExchangeAuthenticator {
  private readonly verified = new Map<string, string>();

  constructor(
    private readonly deps: Deps,
    private readonly attempts: FailedAttempts = new FailedAttempts(deps.clock),
  ) {}

  /** HTTP: client id and secret (Basic authentication) from an address, then the device. */
  async withSecret(clientId: string, secret: string, device: unknown, address: string): Promise<ClientRow> {
    const client = await this.deps.store.clients.get(clientId);
    const quick = client && tokenHash(`${client.secretHash}:${secret}`);
    if (!client || this.verified.get(clientId) !== quick) {
      const rules = exchangeRules(clientId, address);
      this.attempts.check(rules);
      // an unknown client id costs the same work and gets the same answer as a wrong secret
      const ok = client ? await verifySecret(secret, client.secretHash) : await verifyNothing(secret);
      if (!client || !ok) {
        this.attempts.fail(rules);
        throw new OswError('OSW_AUTH_FAILED', 'unknown client or wrong secret');
      }
      this.attempts.clear([rules[0].key]);
      this.verified.set(clientId, quick!);
    }
    if (client.status !== 'active') throw new OswError('OSW_CLIENT_DISABLED', `client ${clientId} is disabled`);
    await this.checkDevice(client, device);
    return client;
  }

  /** RabbitMQ: the client whose send queue the message came from, then the device. */
  async byQueue(clientId: string, device: unknown): Promise<ClientRow> {
    const client = await this.deps.store.clients.get(clientId);
    if (!client) throw new OswError('OSW_AUTH_FAILED', `unknown client ${clientId}`);
    if (client.status !== 'active') throw new OswError('OSW_CLIENT_DISABLED', `client ${clientId} is disabled`);
    await this.checkDevice(client, device === undefined ? undefined : String(device));
    return client;
  }

  /** 设备绑定: the first device a client connects from binds it; another device is refused until unbound. */
  private async checkDevice(client: ClientRow, header: unknown): Promise<void> {
    const device = typeof header === 'string' ? header.trim() : '';
    if (device && !DEVICE_PATTERN.test(device))
      throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.device} must be a hex fingerprint`);
    const bound = client.deviceFingerprint;
    if (!bound) {
      if (device) {
        await this.deps.store.clients.setDevice(client.clientId, device, this.deps.clock.now().toISOString());
        client.deviceFingerprint = device;
        this.deps.logger.info({ clientId: client.clientId }, 'client bound to its device');
      }
      return;
    }
    if (device !== bound)
      throw new OswError(
        'OSW_DEVICE_MISMATCH',
        `客户端${client.clientId}已绑定其他设备，请在控制台“客户端管理”中解除设备绑定后重试 (client ${client.clientId} is bound to another machine: unbind the device in the console, then retry)`,
      );
  }
}
