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

/** FAQ 一.3 服务地区变更: a request of the enterprise, decided by an operator of the platform. */
export type RegionChangeStatus = 'pending' | 'approved' | 'rejected';

export interface RegionChangeRow {
  id: number;
  clientId: string;
  enterpriseCode: string;
  fromRegion: string;
  toRegion: string;
  reason: string;
  status: RegionChangeStatus;
  /** the account that asked, and the card it proved itself with */
  requestedBy: string;
  cardNo: string | null;
  requestedAt: string;
  /** the platform operator's account */
  decidedBy: string | null;
  decisionNote: string | null;
  decidedAt: string | null;
}

export interface RegionChangeQuery extends ListQuery {
  /** absent: every enterprise's (platform operators) */
  enterpriseCode?: string;
  clientId?: string;
  status?: RegionChangeStatus;
}

export interface ClientStore {
  insert(row: ClientRow): Promise<void>;
  get(clientId: string): Promise<ClientRow | undefined>;
  list(enterpriseCode: string, q: ClientQuery): Promise<Paged<ClientRow>>;
  setStatus(clientId: string, status: ClientStatus): Promise<void>;
  /** a new 服务地区 (关区); the client keeps its id */
  setRegion(clientId: string, region: string): Promise<void>;
  insertRegionChange(row: Omit<RegionChangeRow, 'id'>): Promise<number>;
  getRegionChange(id: number): Promise<RegionChangeRow | undefined>;
  /** newest first */
  listRegionChanges(q: RegionChangeQuery): Promise<Paged<RegionChangeRow>>;
  /** pending → approved/rejected; false when it was decided already */
  decideRegionChange(
    id: number,
    d: { status: 'approved' | 'rejected'; decidedBy: string; decisionNote: string | null; decidedAt: string },
  ): Promise<boolean>;
  /** binds a client to a device fingerprint (null unbinds) */
  setDevice(clientId: string, fingerprint: string | null, at: string | null): Promise<void>;
  /**
   * records an exchange request of a client at `at`, unless one after `notBefore` is recorded
   * already (one write per few seconds, whichever instance)
   */
  touchSeen(clientId: string, at: string, notBefore: string): Promise<void>;
}
