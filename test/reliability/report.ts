/**
 * Reliability figures for the closing report of `npm run test:reliability`: each test records what it
 * held, survived and tried, and what was lost or doubled (both must be zero).
 */
import { appendFileSync } from 'node:fs';

export interface ReliabilityEntry {
  test: string;
  load?: string;
  faults?: number;
  badInputs?: number;
  lost: number;
  duplicates: number;
}

export function record(e: ReliabilityEntry): void {
  const file = process.env.OSW_RELIABILITY_REPORT;
  if (file) appendFileSync(file, JSON.stringify(e) + '\n');
}

/** long form with OSW_RELIABILITY_FULL=1 (npm run test:reliability); short form in npm test */
export const FULL = process.env.OSW_RELIABILITY_FULL === '1';
