/**
 * Decides when a file in OutBox is completely written: its size and mtime must stay the same
 * across observations for at least `stableMs`. A file seen for the first time whose mtime is
 * already `stableMs` in the past (and not in the future: clock skew on network shares) has been
 * unchanged that long and is ready at once.
 */
export class StabilityTracker {
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  constructor(private readonly stableMs: number) {}

  /** Records an observation; true when the file has been unchanged for stableMs. */
  observe(name: string, size: number, mtimeMs: number, nowMs: number): boolean {
    const prev = this.seen.get(name);
    if (!prev) {
      this.seen.set(name, { size, mtimeMs, since: nowMs });
      return mtimeMs <= nowMs && nowMs - mtimeMs >= Math.max(this.stableMs, 1);
    }
    if (prev.size !== size || prev.mtimeMs !== mtimeMs) {
      this.seen.set(name, { size, mtimeMs, since: nowMs });
      return false;
    }
    return nowMs - prev.since >= this.stableMs;
  }

  forget(name: string): void {
    this.seen.delete(name);
  }

  /** drops names no longer present */
  retain(names: ReadonlySet<string>): void {
    for (const n of this.seen.keys()) if (!names.has(n)) this.seen.delete(n);
  }

  get size(): number {
    return this.seen.size;
  }
}
