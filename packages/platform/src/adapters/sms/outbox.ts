/**
 * The embedded SMS provider (the sandbox): nothing leaves the machine. Each SMS is written to the
 * platform log (phone masked, text withheld) and to the `sms_outbox` table, which the console shows
 * (`GET /api/v1/sms/outbox`) — with the phone masked and verification codes as `******`, at rest
 * too: the store keeps only the code's scrypt hash. The code is answered to the operator who asked
 * for it instead (`simulated`).
 */
import type { Logger } from '../../core/ports.js';
import type { Store } from '../../core/store.js';
import { maskCodes, maskPhone, type SmsSender } from '../../core/sms/verification-codes.js';

export class OutboxSmsSender implements SmsSender {
  readonly name = 'outbox';
  readonly simulated = true;
  constructor(private readonly deps: { store: Store; clock: { now(): Date }; logger: Logger }) {}

  async send(sms: { phone: string; text: string; enterpriseCode: string | null }): Promise<void> {
    const id = await this.deps.store.sms.insertOutbox({
      enterpriseCode: sms.enterpriseCode,
      phone: maskPhone(sms.phone),
      text: maskCodes(sms.text),
      provider: this.name,
      createdAt: this.deps.clock.now().toISOString(),
    });
    this.deps.logger.info({ smsId: id, phone: maskPhone(sms.phone) }, 'SMS written to the outbox (embedded SMS provider)');
  }
}
