/** The embedded app/WeChat push: each message goes into the enterprise's feed, which the API and the console show. */
import type { AppPushPort } from '../../core/push/ports.js';
import type { Store } from '../../core/store.js';

export class FeedAppPush implements AppPushPort {
  constructor(private readonly deps: { store: Store; clock: { now(): Date } }) {}

  async send(m: Parameters<AppPushPort['send']>[0]): Promise<void> {
    await this.deps.store.feed.insert({ ...m, createdAt: this.deps.clock.now().toISOString() });
  }
}
