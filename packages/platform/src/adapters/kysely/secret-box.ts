/**
 * Secrets the platform must be able to read back (webhook signing secrets: each push is signed with
 * one, so they cannot be hashed) are sealed at rest with AES-256-GCM under the platform's secret key
 * (`secretKeyFile`). A sealed value reads `enc:v1:<iv>:<tag>:<ciphertext>` (base64); anything else
 * is a value written before sealing, read as it is, and sealed by `sealStoredSecrets` at start.
 */
import crypto from 'node:crypto';

const PREFIX = 'enc:v1:';

export class SecretBox {
  /** `key`: 32 bytes; without one (tests, tools that open a store) values are kept as they are */
  constructor(private readonly key?: Buffer) {
    if (key && key.length !== 32) throw new Error('the secret key must be 32 bytes (AES-256)');
  }

  get sealing(): boolean {
    return !!this.key;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plain: string): string {
    if (!this.key) return plain;
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  open(stored: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    if (!this.key) throw new Error('a sealed secret in the store, and no secret key to open it (secretKeyFile)');
    const [iv, tag, data] = stored.slice(PREFIX.length).split(':');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new Error('a sealed secret does not open with this secret key (secretKeyFile changed?)', { cause: err });
    }
  }
}

/** Keeps values as they are: a store opened without a secret key. */
export const PLAIN_BOX = new SecretBox();
