/** The client registry's store port: import clients, their device binding and when they were last seen. */
import type { ListQuery, Paged } from '../paging.js';

export type ClientStatus = 'active' | 'disabled';

export interface ClientRow {
  clientId: string;
  enterpriseCode: string;
  region: string;
  version: string;
  transport: 'http' | 'amqp';
  environment: 'test' | 'prod';
  secretHash: string;
  status: ClientStatus;
  deviceFingerprint: string | null;
  deviceBoundAt?: string | null;
  createdAt: string;
  /** the last exchange request of an HTTP client (kept to within a few seconds) */
  lastSeenAt?: string | null;
}

export interface ClientQuery extends ListQuery {
  status?: ClientStatus;
  clientId?: string;
}

export interface ClientStore {
  insert(row: ClientRow): Promise<void>;
  get(clientId: string): Promise<ClientRow | undefined>;
  list(enterpriseCode: string, q: ClientQuery): Promise<Paged<ClientRow>>;
  setStatus(clientId: string, status: ClientStatus): Promise<void>;
  /** binds a client to a device fingerprint (null unbinds) */
  setDevice(clientId: string, fingerprint: string | null, at: string | null): Promise<void>;
  /**
   * records an exchange request of a client at `at`, unless one after `notBefore` is recorded
   * already (one write per few seconds, whichever instance)
   */
  touchSeen(clientId: string, at: string, notBefore: string): Promise<void>;
}
