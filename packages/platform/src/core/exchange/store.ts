/**
 * The exchange's store ports: what came in (inbound messages, deduplicated by message id) and what
 * goes out (each client's delivery queue: receipts and pushes waiting for its InBox). The delivery
 * queue works in sets: enqueue many, take a batch, acknowledge many ids.
 */

export interface InboundRow {
  clientId: string;
  messageId: string;
  business: string;
  fileName: string;
  family: string;
  messageType: string;
  sha256: string;
  body: Uint8Array;
  accepted: boolean;
  responseXml: string;
  documentKey: string | null;
  receivedAt: string;
}

export interface InboundStore {
  get(clientId: string, messageId: string): Promise<InboundRow | undefined>;
  /** the client's stored messages among these ids (one statement per few hundred ids) */
  getMany(clientId: string, messageIds: readonly string[]): Promise<InboundRow[]>;
  /** fails when the client's message id is stored already */
  insert(row: InboundRow): Promise<void>;
  /** several at once (a batch's), a few hundred per statement; fails when one of the ids is stored already */
  insertMany(rows: readonly InboundRow[]): Promise<void>;
}

export interface DeliveryRow {
  id: number;
  clientId: string;
  /** stable across redeliveries and resends: receivers drop a message id they have written */
  messageId: string;
  business: string;
  fileName: string;
  body: string;
  createdAt: string;
  attempts: number;
  /** a push a user resent: its resend attempt (1, 2, …), which the client writes again; 0 otherwise */
  resend: number;
  /** W3C traceparent of the work that queued it, with tracing on (null otherwise): sent along to the client */
  traceparent?: string | null;
}

export type NewDelivery = Omit<DeliveryRow, 'id' | 'attempts' | 'resend'> & {
  /** the push's resend attempt (0 or absent: a first delivery) */
  resend?: number;
  /**
   * a push's delivery: the push (in the push log) whose body it carries. The body is then stored once,
   * in the push, and read from there when the delivery is taken; `body` is not stored again.
   */
  pushId?: number;
};

/** A delivery acknowledged: its id, message id, resend attempt and when it was queued. */
export interface AckedDelivery {
  id: number;
  messageId: string;
  resend: number;
  /** when it was queued */
  createdAt: string;
}

export interface DeliveryStore {
  /**
   * Queues deliveries, one id per row in order. A message id already known for its client is put
   * back in line (unacknowledged, with the new body) instead of being queued twice.
   */
  enqueue(rows: readonly NewDelivery[]): Promise<number[]>;
  /**
   * Unacknowledged deliveries of a client, oldest first; counts the attempt. On engines with row
   * locks the rows stay locked until the enclosing transaction ends, so another process taking
   * the same client's deliveries at the same moment gets the next ones.
   */
  take(clientId: string, max: number): Promise<DeliveryRow[]>;
  /** Acknowledges deliveries of the client; returns those acknowledged now. */
  ack(clientId: string, ids: readonly number[], at: string): Promise<AckedDelivery[]>;
  /** unacknowledged deliveries per client (the clients that have any) */
  backlog(): Promise<{ clientId: string; count: number }[]>;
  countPending(clientId: string): Promise<number>;
  /** whether the client acknowledged anything since `since` */
  ackedSince(clientId: string, since: string): Promise<boolean>;
  /** retention: deletes deliveries acknowledged before `before`; returns how many */
  dropAcked(before: string): Promise<number>;
}
