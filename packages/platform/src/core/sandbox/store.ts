/**
 * The customs sandbox's store port: its scheduled jobs (receipts to issue later) and the change
 * requests of processing-trade manuals it approves. A business system in the sandbox's place (a
 * gateway to real customs) would have its own.
 */
import type { ListQuery, Paged } from '../paging.js';

export interface SandboxJobRow {
  id: number;
  kind: string;
  documentKey: string;
  payload: Record<string, string>;
  dueAt: string;
  /** W3C traceparent of the import that planned it, with tracing on (null otherwise): the job continues that trace */
  traceparent?: string | null;
}

export type ManualChangeStatus = 'pending' | 'approved';

export interface ManualItemChange {
  kind: 'img' | 'exg';
  action: 'add' | 'modify' | 'delete';
  serial: number;
  code?: string;
  name?: string;
  model?: string;
  unit?: string;
  quantity?: string;
}

export interface ManualChange {
  head?: Record<string, string>;
  items?: ManualItemChange[];
}

/** A change request of a processing-trade manual (sandbox): head fields and rows to add, modify or delete. */
export interface ManualChangeRow {
  id: number;
  manualNo: string;
  enterpriseCode: string;
  account: string;
  change: ManualChange;
  /** approved by the sandbox after its delay; else only by an API call */
  autoApprove: boolean;
  status: ManualChangeStatus;
  /** the manual's version after approval */
  version: number | null;
  requestedAt: string;
  decidedAt: string | null;
}

export interface SandboxStore {
  /** schedules jobs; returns their ids in order */
  insertJobs(rows: readonly Omit<SandboxJobRow, 'id'>[]): Promise<number[]>;
  /**
   * Due jobs, oldest due first. One document's jobs come strictly in order: a job is due only when
   * every earlier job of its document is done and committed. The caller completes each with
   * `completeJob` in the transaction that does its work.
   */
  dueJobs(now: string, limit: number): Promise<SandboxJobRow[]>;
  /** claims and completes a job; false when another process has it or had it */
  completeJob(id: number, at: string): Promise<boolean>;
  /** claims and completes a set of jobs at once; returns those it got, in the given order (the others are held elsewhere or done) */
  completeJobs(ids: readonly number[], at: string): Promise<number[]>;

  insertManualChange(row: Omit<ManualChangeRow, 'id'>): Promise<number>;
  getManualChange(id: number): Promise<ManualChangeRow | undefined>;
  listManualChanges(manualNo: string, q: ListQuery): Promise<Paged<ManualChangeRow>>;
  /** pending changes to approve automatically, requested before an instant, oldest first */
  dueManualChanges(requestedBefore: string, limit: number): Promise<ManualChangeRow[]>;
  /** pending → approved with the version; false when it was decided already */
  approveManualChange(id: number, version: number, at: string): Promise<boolean>;
}
