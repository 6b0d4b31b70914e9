/** The management API client's refusals say what to do (no broker needed). */
import net from 'node:net';
import { expect, test } from 'vitest';
import { OswError } from '@osw/messages';
import { RabbitManagement } from '../src/adapters/amqp/management.js';

test('a broker without the management plugin: the error names the plugin and how to enable it', async () => {
  // a port nothing listens on, as on a broker whose management plugin is off
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const mgmt = new RabbitManagement(`http://guest:guest@127.0.0.1:${port}`, 2_000);
  const err = await mgmt.listQueues('osw').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OswError);
  expect((err as OswError).code).toBe('OSW_BROKER_UNREACHABLE');
  expect((err as OswError).message).toContain('rabbitmq-plugins enable rabbitmq_management');
  expect((err as OswError).message).not.toContain('guest:guest');
});
