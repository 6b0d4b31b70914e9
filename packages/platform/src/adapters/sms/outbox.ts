/**
 * The embedded SMS provider: nothing leaves the machine. Each SMS is written to the platform log
 * (phone masked, text withheld) and to the `sms_outbox` table, which the console shows
 * (`GET /api/v1/sms/outbox`).
 */
import type { Logger } from '../../core/ports.js';
import type { Store } from '../../core/store.js';
import { maskPhone, type SmsSender } from '../../core/sms/verification-codes.js';

export class OutboxSmsSender implements SmsSender {
  readonly name = 'outbox';
  constructor(private readonly deps: { store: Store; clock: { now(): Date }; logger: Logger }) {}

  async send(sms: { phone: string; text: string; enterpriseCode: string | null }): Promise<void> {
    const id = await this.deps.store.sms.insertOutbox({
      enterpriseCode: sms.enterpriseCode,
      phone: sms.phone,
      text: sms.text,
      provider: this.name,
      createdAt: this.deps.clock.now().toISOString(),
    });
    this.deps.logger.info({ smsId: id, phone: maskPhone(sms.phone) }, 'SMS written to the outbox (embedded SMS provider)');
  }
}
