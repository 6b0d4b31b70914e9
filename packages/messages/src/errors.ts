import type { ErrorCode } from './error-codes.js';

/**
 * Typed errors with stable codes. `code` is what users search for: one of the table in
 * error-codes.ts (with its HTTP status and meaning) or an import-client failCode (C18, C134, …,
 * FAIL_CODES below); docs/errors.md lists both.
 */
export class OswError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OswError';
    this.code = code;
    this.details = options?.details;
  }
}

/** A message that cannot be read or sent as it is; `code` is a client failCode. */
export class MessageRejected extends OswError {
  constructor(code: FailCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
    this.name = 'MessageRejected';
  }
}

/**
 * Import-client failCodes, written into `InBox/Failed_<name>_<ts>.xml` as `<Root><failCode>`.
 * C18, C134, C141, C144 are named in the official client manual and FAQ; the C9xx codes are ours.
 */
export const FAIL_CODES = {
  C18: '发送报文时发生错误 (transport send error)',
  C134: '卡密码错误 (wrong card PIN)',
  C141: '等待平台回执超时 (timed out waiting for the platform)',
  C144: '未设置卡密码 (card PIN not set)',
  C901: '报文为空 (empty file)',
  C902: '报文不是格式正确的XML (XML not well-formed)',
  C903: '无法识别的报文类型 (unknown message type)',
  C904: 'ZIP包中不允许有文件夹 (ZIP holds a folder)',
  C905: 'ZIP包不安全 (unsafe ZIP: bomb, path traversal or too many entries)',
  C906: '报文超过大小限制 (file too large)',
  C907: '不支持的文件类型 (file is neither .xml nor .zip)',
  C908: 'ZIP包须含且仅含一个XML报文，其余为PDF (ZIP must hold exactly one XML plus PDFs)',
  C909: '报文加签失败 (signing failed: card file unreadable or card locked)',
  C910: '卡已锁定 (card locked)',
  C911: '报文编码与声明不符或不受支持 (bytes do not match the declared encoding)',
  C912: '不是普通文件 (not a regular file: a link, FIFO, device or socket; never read)',
  C913: '文件名无法传输 (the file name cannot be carried: control characters, a path separator or bytes that are not UTF-8)',
  C914: '报文校验未通过 (the message breaks the message rules or the customs code tables; checked before sending)',
  C915: '加密机签名失败 (the network signer (加密机) could not be reached, its TLS certificate is not trusted, or it refused the client or the card)',
} as const;
export type FailCode = keyof typeof FAIL_CODES;
