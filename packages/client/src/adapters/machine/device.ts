/**
 * The device fingerprint (设备绑定): SHA-256 of the machine id, host name and the first hardware
 * address. The platform binds a client to the first fingerprint it sees and refuses others until the
 * device is unbound in the console. `deviceId` in the config replaces the machine facts.
 */
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function machineId(): string {
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      /* not on this system */
    }
  }
  return '';
}

export function deviceFingerprint(clientId: string, deviceId?: string): string {
  const mac = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.mac && i.mac !== '00:00:00:00:00:00')?.mac;
  const facts = deviceId ? `id:${deviceId}` : [machineId(), os.hostname(), mac ?? '', os.platform(), os.arch()].join('|');
  return crypto.createHash('sha256').update(`${clientId}|${facts}`).digest('hex');
}
