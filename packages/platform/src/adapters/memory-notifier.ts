/** Wakes long-polling receivers of this process when a delivery is queued for their client. */
import type { DeliveryNotifier } from '../core/ports.js';

export class InProcessNotifier implements DeliveryNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(clientId: string): void {
    const set = this.waiters.get(clientId);
    if (!set) return;
    this.waiters.delete(clientId);
    for (const wake of set) wake();
  }

  wait(clientId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(clientId);
      if (!set) this.waiters.set(clientId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(clientId)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}
