/**
 * The client registry seen by an enterprise (自动导入客户端申请, 查询客户端, 解除设备绑定, 停用):
 * apply for an import client and get its transport settings (传输设置), list the enterprise's
 * clients with their device binding, unbind the device, disable a client.
 */
import { OswError } from '@osw/messages';
import { brokerNames } from '@osw/messages/exchange';
import type { Actor } from '../audit/audit-log.js';
import { recordAudit } from '../audit/audit-log.js';
import type { BrokerAccounts, Clock } from '../ports.js';
import type { ClientQuery, ClientRow, Paged, Store } from '../store.js';
import { verifyCardProof, type CardProof } from '../identity/cards.js';
import { notFound, problem } from '../problem.js';
import { hashSecret, randomToken } from '../identity/secrets.js';

/** Transports as the manual names them; `ibmmq` is named there and answered "not supported". */
export type ClientTransport = 'https' | 'rabbitmq' | 'ibmmq';

export interface ClientApplication {
  /** 关区 */
  region: string;
  version: '2.0';
  transport: ClientTransport;
  environment: 'test' | 'prod';
  card: CardProof;
}

/** 传输设置: where and how the client connects. The password is shown once. */
export interface TransportSettings {
  endpoint: string;
  user: string;
  password: string;
  sendQueue: string | null;
  receiveQueue: string | null;
  exchange: string | null;
}

export const AMQP_PORT = 5672;

/** The transport a stored client uses, as the API names it. */
export function apiTransport(client: Pick<ClientRow, 'transport'>): 'https' | 'rabbitmq' {
  return client.transport === 'amqp' ? 'rabbitmq' : 'https';
}

/**
 * `broker.clientUrl`: where RabbitMQ clients connect (the platform's `amqp.clientUrl`), else the public
 * host on port 5672; `broker.brokerUser`: the client's broker user (with the deployment's prefix).
 */
export function transportSettings(
  client: Pick<ClientRow, 'clientId' | 'transport'>,
  secret: string,
  publicBaseUrl: string,
  broker?: Pick<BrokerAccounts, 'clientUrl' | 'brokerUser'>,
): TransportSettings {
  const base = publicBaseUrl.replace(/\/+$/, '');
  if (client.transport === 'amqp') {
    const names = brokerNames(client.clientId);
    return {
      endpoint: broker?.clientUrl ?? `amqp://${new URL(base).hostname}:${AMQP_PORT}/`,
      user: broker?.brokerUser?.(client.clientId) ?? names.user,
      password: secret,
      sendQueue: names.sendQueue,
      receiveQueue: names.receiveQueue,
      exchange: names.exchange,
    };
  }
  return { endpoint: `${base}/exchange/v1`, user: client.clientId, password: secret, sendQueue: null, receiveQueue: null, exchange: null };
}

type Deps = { store: Store; clock: Clock; broker?: BrokerAccounts };

export interface RegisteredClient {
  clientId: string;
  /** shown once; the platform keeps only its hash */
  secret: string;
}

/** Registers an import client (自动导入客户端申请) and issues its id and exchange secret. */
export async function registerClient(
  deps: Deps,
  c: { enterpriseCode: string; region: string; transport: 'http' | 'amqp'; environment: 'test' | 'prod' },
): Promise<RegisteredClient> {
  const enterprise = await deps.store.identity.getEnterprise(c.enterpriseCode);
  if (!enterprise) throw new OswError('OSW_ENTERPRISE_NOT_FOUND', `enterprise ${c.enterpriseCode} not found`);
  const clientId = `DXPESW${c.region}${String(await deps.store.serials.next(`clientId:${c.region}`)).padStart(6, '0')}`;
  const secret = randomToken();
  await deps.store.clients.insert({
    clientId,
    enterpriseCode: c.enterpriseCode,
    region: c.region,
    version: '2.0',
    transport: c.transport,
    environment: c.environment,
    secretHash: await hashSecret(secret),
    status: 'active',
    deviceFingerprint: null,
    createdAt: deps.clock.now().toISOString(),
  });
  // a RabbitMQ client gets its broker user (password = the secret) and queues now: the secret is never kept
  if (c.transport === 'amqp') await deps.broker?.provisionClient(clientId, secret);
  return { clientId, secret };
}

/** 自动导入客户端申请: needs the enterprise's 法人卡. */
export async function applyForClient(
  deps: Deps,
  actor: Actor,
  a: ClientApplication,
  publicBaseUrl: string,
): Promise<{ client: ClientRow; transportSettings: TransportSettings }> {
  if (a.transport === 'ibmmq')
    throw problem(
      'OSW_CLIENT_TRANSPORT_UNSUPPORTED',
      '暂不支持IBM MQ传输方式，请选择RabbitMQ或HTTPS',
      'the IBM MQ transport is not supported; choose RabbitMQ or HTTPS',
    );
  const card = await verifyCardProof(deps, actor.enterpriseCode, a.card, ['legal']);
  return deps.store.transaction(async (tx) => {
    const registered = await registerClient(
      { store: tx, clock: deps.clock, broker: deps.broker },
      {
        enterpriseCode: actor.enterpriseCode,
        region: a.region,
        transport: a.transport === 'rabbitmq' ? 'amqp' : 'http',
        environment: a.environment,
      },
    );
    const client = (await tx.clients.get(registered.clientId))!;
    await recordAudit(tx, actor, client.createdAt, {
      cardNo: card.cardNo,
      action: 'client.apply',
      entity: 'client',
      entityId: client.clientId,
      before: null,
      after: auditView(client),
    });
    return { client, transportSettings: transportSettings(client, registered.secret, publicBaseUrl, deps.broker) };
  });
}

/** 查询客户端: the enterprise's clients, with their device binding. */
export function listClients(store: Store, actor: Actor, q: ClientQuery): Promise<Paged<ClientRow>> {
  return store.clients.list(actor.enterpriseCode, q);
}

/** One client of the enterprise; another enterprise's client is "not found". */
export async function clientOf(store: Store, enterpriseCode: string, clientId: string): Promise<ClientRow> {
  const client = await store.clients.get(clientId);
  if (!client || client.enterpriseCode !== enterpriseCode) throw notFound('客户端', 'client', clientId);
  return client;
}

/** 解除设备绑定: the next device the client connects from binds it again. Either card of the enterprise. */
export async function unbindClientDevice(deps: Deps, actor: Actor, clientId: string, proof: CardProof): Promise<ClientRow> {
  const before = await clientOf(deps.store, actor.enterpriseCode, clientId);
  const card = await verifyCardProof(deps, actor.enterpriseCode, proof, ['legal', 'operator']);
  if (!before.deviceFingerprint) return before;
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    await tx.clients.setDevice(clientId, null, null);
    const after = (await tx.clients.get(clientId))!;
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: 'client.unbind-device',
      entity: 'client',
      entityId: clientId,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
}

/** 停用客户端: the exchange refuses it from then on (OSW_CLIENT_DISABLED). Needs the 法人卡. */
export async function disableClient(deps: Deps, actor: Actor, clientId: string, proof: CardProof): Promise<ClientRow> {
  const before = await clientOf(deps.store, actor.enterpriseCode, clientId);
  if (before.status === 'disabled')
    throw problem('OSW_CLIENT_DISABLED', `客户端[${clientId}]已停用`, `client ${clientId} is disabled already`);
  const card = await verifyCardProof(deps, actor.enterpriseCode, proof, ['legal']);
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    await tx.clients.setStatus(clientId, 'disabled');
    // its broker user goes with it (RabbitMQ clients): connections are closed, logins refused
    if (before.transport === 'amqp') await deps.broker?.blockClient(clientId);
    const after = (await tx.clients.get(clientId))!;
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: 'client.disable',
      entity: 'client',
      entityId: clientId,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
}

/** What the audit log keeps of a client: never the secret's hash. */
function auditView(c: ClientRow) {
  return {
    clientId: c.clientId,
    region: c.region,
    version: c.version,
    transport: apiTransport(c),
    environment: c.environment,
    status: c.status,
    deviceFingerprint: c.deviceFingerprint,
    deviceBoundAt: c.deviceBoundAt ?? null,
  };
}
