/** Wakes long-polling receivers and forwarders of this process when a delivery is queued for their client. */
import type { DeliveryNotifier } from '../core/ports.js';

export class InProcessNotifier implements DeliveryNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners = new Set<(clientId: string) => void>();

  notify(clientId: string): void {
    const set = this.waiters.get(clientId);
    if (set) {
      this.waiters.delete(clientId);
      for (const wake of set) wake();
    }
    for (const listener of this.listeners) listener(clientId);
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

  subscribe(listener: (clientId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
