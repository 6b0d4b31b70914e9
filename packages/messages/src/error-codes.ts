/**
 * Every `OSW_*` error code, declared once: its HTTP status and what it means, in Chinese and English.
 * `OswError` takes only these codes (and the import client's failCodes, FAIL_CODES in errors.ts);
 * the platform's API answers with the status given here (platform/src/api/errors.ts), and
 * docs/errors.md is generated from this table (`npm run docs:errors`; a test fails when they differ).
 *
 * `status` is the HTTP status of an answer carrying the code. Codes that stay inside the import
 * client, the CLI or the platform log carry the nearest status too, like fastify's own errors do, so
 * that every code has one should it ever travel. `zh`/`en` say what the code means in general; each
 * throw site says what happened this time.
 */
import { FAIL_CODES, type FailCode } from './errors.js';

/** Where a code is raised; docs/errors.md has one table per area. */
export type ErrorArea = 'request' | 'exchange' | 'identity' | 'subscription' | 'sandbox' | 'broker' | 'client';

export interface ErrorCodeEntry {
  readonly area: ErrorArea;
  readonly status: number;
  readonly zh: string;
  readonly en: string;
}

export const ERROR_CODES = {
  // ---- requests and sessions (REST API under /api/v1, exchange under /exchange/v1) ----
  OSW_AUTH_REQUIRED: {
    area: 'request',
    status: 401,
    zh: '未登录、会话已过期或未提供客户端凭据',
    en: 'no session, an expired one, or no client credentials',
  },
  OSW_AUTH_FAILED: {
    area: 'request',
    status: 401,
    zh: '账号或密码错误，或客户端ID或密钥错误',
    en: 'wrong or unknown account or password, the same answer for both (each failure slows the next answer); wrong client id or secret; RabbitMQ refused the client login (ACCESS_REFUSED)',
  },
  OSW_NOT_FOUND: {
    area: 'request',
    status: 404,
    zh: '不存在或无权查看',
    en: `no such thing for you (another enterprise's data is "not found", never shown), or no such route`,
  },
  OSW_VALIDATION: {
    area: 'request',
    status: 400,
    zh: '请求参数有误',
    en: 'request body, path or query invalid; the message names each field (`body.region: …`)',
  },
  OSW_BAD_REQUEST: {
    area: 'request',
    status: 400,
    zh: '请求无法处理',
    en: 'a request the HTTP layer refused for a reason that has no code of its own',
  },
  OSW_INTERNAL: { area: 'request', status: 500, zh: '平台内部错误', en: 'a bug; details only in the platform log' },
  // fastify's own client errors, answered as OSW_HTTP_<fastify code> with fastify's status
  OSW_HTTP_FST_ERR_BAD_URL: { area: 'request', status: 400, zh: 'URL无效', en: 'a URL with a component that cannot be decoded' },
  OSW_HTTP_FST_ERR_MAX_PARAM_LENGTH: {
    area: 'request',
    status: 414,
    zh: 'URL参数过长',
    en: 'a path parameter longer than the router accepts',
  },
  OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE: {
    area: 'request',
    status: 413,
    zh: '请求体过大',
    en: 'a body larger than the route accepts: 16 KiB for a login, 1 MiB for a manual change, 64 KiB for other REST and exchange JSON bodies, `maxMessageBytes` (64 MiB by default) for an exchange message, the `maxBodyBytes` of `osw signer` (4 MiB by default) for a signature request; refused before it is read',
  },
  OSW_HTTP_FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    area: 'request',
    status: 415,
    zh: '不支持的Content-Type',
    en: 'a body of a content type the route does not read',
  },
  OSW_HTTP_FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    area: 'request',
    status: 400,
    zh: '请求体长度与Content-Length不符',
    en: 'the body size does not match `Content-Length`',
  },
  OSW_HTTP_FST_ERR_CTP_EMPTY_JSON_BODY: {
    area: 'request',
    status: 400,
    zh: 'JSON请求体为空',
    en: 'an empty body sent as `application/json`',
  },
  OSW_HTTP_FST_ERR_CTP_INVALID_JSON_BODY: {
    area: 'request',
    status: 400,
    zh: '请求体不是有效的JSON',
    en: 'a body sent as `application/json` that is not JSON',
  },
  OSW_AUTH_RATE_LIMITED: {
    area: 'request',
    status: 429,
    zh: '尝试次数过多，请稍后再试',
    en: 'too many wrong passwords or client secrets from your address (or for the account at your address); `Retry-After` says when to try again',
  },

  // ---- message exchange (HTTP and RabbitMQ) ----
  OSW_EXCHANGE_BAD_MESSAGE_ID: { area: 'exchange', status: 400, zh: '报文ID格式不正确', en: 'message id not 8–128 of `A-Z a-z 0-9 _ . -`' },
  OSW_EXCHANGE_BAD_REQUEST: {
    area: 'exchange',
    status: 400,
    zh: '缺少报文文件名、业务类型或报文内容',
    en: 'missing or malformed file-name, business or device header (docs/exchange-http.md), or no message bytes',
  },
  OSW_EXCHANGE_REFUSED: {
    area: 'exchange',
    status: 400,
    zh: '平台拒收报文且未给出错误代码',
    en: 'the import client: the platform refused a message over RabbitMQ without giving a code; not retried → C18',
  },
  OSW_CLIENT_DISABLED: {
    area: 'exchange',
    status: 403,
    zh: '客户端已停用',
    en: 'the import client is disabled (exchange; subscribing it; disabling it again)',
  },
  OSW_DEVICE_MISMATCH: {
    area: 'exchange',
    status: 403,
    zh: '客户端已绑定其他设备',
    en: 'the client is bound to another machine: unbind the device first',
  },

  // ---- enterprises, operators, IC cards and import clients ----
  OSW_ENTERPRISE_INVALID: {
    area: 'identity',
    status: 400,
    zh: '企业信息有误',
    en: 'a new enterprise with a bad customs code, USCC, region or no name; every problem listed',
  },
  OSW_ENTERPRISE_NOT_FOUND: { area: 'identity', status: 404, zh: '企业不存在', en: 'no enterprise with this customs code' },
  OSW_PASSWORD_WEAK: { area: 'identity', status: 400, zh: '密码过于简单', en: 'an operator password shorter than 8 characters' },
  OSW_CARD_INVALID: {
    area: 'identity',
    status: 403,
    zh: '不是本企业的卡',
    en: 'the card is not a card of your enterprise (also for an unknown number)',
  },
  OSW_CARD_KIND: {
    area: 'identity',
    status: 403,
    zh: '卡类型不符',
    en: 'wrong kind of card, e.g. an 操作员卡 where the 法人卡 is needed (no try counted)',
  },
  OSW_CARD_PIN_WRONG: { area: 'identity', status: 403, zh: '卡密码错误，还可以重试N次', en: 'wrong PIN, N tries left' },
  OSW_CARD_LOCKED: { area: 'identity', status: 423, zh: '卡已锁定', en: 'the card is locked after 5 wrong PINs' },
  OSW_CARD_PIN_INVALID: {
    area: 'identity',
    status: 400,
    zh: '卡密码须为6至8位数字',
    en: 'issuing a card with a PIN that is not 6 to 8 digits',
  },
  // 409, not 503: the card-number range is used up and stays so; a 5xx would invite the clients and
  // proxies that retry server errors to ask again for nothing
  OSW_CARD_NUMBERS_EXHAUSTED: {
    area: 'identity',
    status: 409,
    zh: '卡号已用尽',
    en: "every card number of the platform's range is issued: no card can be issued",
  },
  OSW_CARD_KEY_INVALID: {
    area: 'identity',
    status: 400,
    zh: '卡公钥或证书无法读取',
    en: 'a card public key or certificate that cannot be read',
  },
  OSW_CLIENT_TRANSPORT_UNSUPPORTED: {
    area: 'identity',
    status: 400,
    zh: '暂不支持IBM MQ传输方式',
    en: 'IBM MQ is not supported: choose RabbitMQ or HTTPS',
  },
  // 用户管理 (user management) and 服务地区变更 (FAQ 一.3)
  OSW_ADMIN_REQUIRED: {
    area: 'identity',
    status: 403,
    zh: '需要本企业管理员权限',
    en: "user management is for your enterprise's administrators (role admin) only",
  },
  OSW_PLATFORM_OPERATOR_REQUIRED: {
    area: 'identity',
    status: 403,
    zh: '需要平台运维人员权限',
    en: 'deciding a 服务地区 change is for operators of the platform (role platform) only',
  },
  OSW_OPERATOR_EXISTS: { area: 'identity', status: 409, zh: '账号已存在', en: 'an operator with this account exists already' },
  OSW_OPERATOR_DISABLED: {
    area: 'identity',
    status: 403,
    zh: '账号已停用，请联系本企业管理员',
    en: "a disabled operator logs in with the right password; ask your enterprise's administrator",
  },
  OSW_OPERATOR_SELF: {
    area: 'identity',
    status: 409,
    zh: '不能停用自己的账号',
    en: 'an administrator disabling their own account (nobody could enable it again)',
  },
  OSW_OPERATOR_LAST_ADMIN: {
    area: 'identity',
    status: 409,
    zh: '企业至少需要一名管理员',
    en: "an administrator making themself an operator while they are the enterprise's last active administrator",
  },
  OSW_CARD_BOUND: {
    area: 'identity',
    status: 409,
    zh: '卡已绑定其他操作员',
    en: 'binding a card that another operator holds: unbind it from them first',
  },
  OSW_REGION_CHANGE_PENDING: {
    area: 'identity',
    status: 409,
    zh: '该客户端已有待审批的服务地区变更申请',
    en: 'the client has a 服务地区 change request waiting for the platform already',
  },
  OSW_REGION_CHANGE_SAME: {
    area: 'identity',
    status: 400,
    zh: '变更后的服务地区与当前相同',
    en: 'a 服务地区 change to the region the client has already',
  },
  OSW_REGION_CHANGE_DECIDED: {
    area: 'identity',
    status: 409,
    zh: '服务地区变更申请已审批',
    en: 'approving or rejecting a 服务地区 change request that was decided already',
  },

  // ---- subscriptions, SMS verification codes and push ----
  OSW_SUB_CONTENT_EMPTY: {
    area: 'subscription',
    status: 400,
    zh: '未选择订阅内容',
    en: 'a declaration subscription without 申报数据 and without receipt types',
  },
  OSW_SUB_RECEIPT_TYPE_UNKNOWN: {
    area: 'subscription',
    status: 400,
    zh: '未知的回执类型',
    en: 'a receipt type that is neither a manual name nor a CHANNEL code',
  },
  OSW_SUB_VALIDITY: {
    area: 'subscription',
    status: 400,
    zh: '有效期不正确',
    en: '`validUntil` not a date, in the past, or more than one year ahead (also when extending)',
  },
  OSW_SUB_EXTEND_NOT_LATER: {
    area: 'subscription',
    status: 400,
    zh: '延期日期须晚于当前有效期',
    en: 'an extension (延期) to a day that is not later than the current validity',
  },
  OSW_SUB_EXPIRED: { area: 'subscription', status: 409, zh: '订阅已失效', en: 'cancel/extend of a subscription that has expired' },
  OSW_SUB_CANCELLED: { area: 'subscription', status: 409, zh: '订阅已取消', en: 'cancel/extend of a subscription that is cancelled' },
  OSW_SUB_STOCK_FINAL: {
    area: 'subscription',
    status: 409,
    zh: '存量订阅不能取消或延期',
    en: 'a stock (存量) manual subscription cannot be cancelled or extended',
  },
  OSW_SUB_INCREMENTAL_EXISTS: {
    area: 'subscription',
    status: 409,
    zh: '已有有效的增量订阅',
    en: 'the manual already has an incremental (增量) subscription in force for your enterprise',
  },
  OSW_SUB_DUPLICATE: { area: 'subscription', status: 409, zh: '已有相同的有效订阅', en: 'an identical active receipt subscription exists' },
  OSW_SUB_NOT_PROCESSING_UNIT: {
    area: 'subscription',
    status: 403,
    zh: '只有加工单位可以订阅账册数据',
    en: "only the manual's 加工单位 may subscribe to it",
  },
  OSW_SUB_RANGE_TOO_LARGE: { area: 'subscription', status: 400, zh: '序号范围过大', en: 'a stock serial range over 10,000 rows per type' },
  OSW_SUB_DOCUMENT_REQUIRED: {
    area: 'subscription',
    status: 400,
    zh: '按单证订阅须填写报关单号',
    en: 'a by-document receipt subscription without `documentNo`',
  },
  OSW_SUB_CLIENT_REQUIRED: {
    area: 'subscription',
    status: 400,
    zh: '客户端推送须填写客户端ID和操作员卡号',
    en: 'client push without `clientId` and `operatorCardNo`',
  },
  OSW_SMS_PHONE_INVALID: {
    area: 'subscription',
    status: 400,
    zh: '手机号码不正确',
    en: 'not a mainland mobile number (11 digits, `1[3-9]…`)',
  },
  OSW_SMS_CODE_REQUIRED: { area: 'subscription', status: 400, zh: '未填写短信验证码', en: 'SMS push without `verificationCode`' },
  OSW_SMS_CODE_INVALID: {
    area: 'subscription',
    status: 400,
    zh: '验证码错误',
    en: 'wrong code, none requested, used already, or 5 wrong tries',
  },
  OSW_SMS_CODE_EXPIRED: { area: 'subscription', status: 400, zh: '验证码已过期', en: 'the code is older than 5 minutes' },
  OSW_SMS_RATE_LIMITED: {
    area: 'subscription',
    status: 429,
    zh: '验证码发送过于频繁',
    en: 'one code a minute, five an hour per phone; `Retry-After` says when',
  },
  OSW_SMS_SEND_FAILED: { area: 'subscription', status: 502, zh: '短信发送失败', en: 'the SMS provider failed' },
  OSW_PUSH_WEBHOOK_URL: {
    area: 'subscription',
    status: 400,
    zh: '推送地址无效',
    en: 'a webhook endpoint that is not `https://` (plain `http://` only to localhost) or not a URL',
  },
  OSW_ALERT_SETTING_INVALID: {
    area: 'subscription',
    status: 400,
    zh: '告警通知设置有误',
    en: 'an alert setting whose channels lack recipients (SMS without a phone, mail without an address, webhook without an endpoint), a bad phone or mail address, or mail while the platform has no `alerts.smtp`',
  },

  // ---- customs sandbox ----
  OSW_SANDBOX_CHANNEL_UNKNOWN: {
    area: 'sandbox',
    status: 400,
    zh: '未知的回执类型CHANNEL',
    en: 'a hand-issued receipt with an unknown CHANNEL code',
  },
  OSW_SANDBOX_CHANGE_DECIDED: {
    area: 'sandbox',
    status: 409,
    zh: '变更申请已审批',
    en: 'approving a manual change request that was approved already',
  },

  // ---- the platform's RabbitMQ broker ----
  OSW_BROKER_UNREACHABLE: {
    area: 'broker',
    status: 503,
    zh: '无法连接RabbitMQ',
    en: 'the RabbitMQ management API or the broker cannot be reached (registering a RabbitMQ client, starting, listing dead letters)',
  },
  OSW_BROKER_PROVISIONING_FAILED: {
    area: 'broker',
    status: 502,
    zh: 'RabbitMQ管理接口拒绝请求',
    en: "the management API refused a call (creating or deleting a broker user, setting permissions, creating the vhost); the message carries RabbitMQ's answer",
  },
  OSW_BROKER_QUEUE_MISSING: {
    area: 'broker',
    status: 503,
    zh: '客户端接收队列不存在',
    en: "platform log: a client's receive queue does not exist; its deliveries stay queued in the store and are forwarded once it exists",
  },
  OSW_BROKER_USER_TAKEN: {
    area: 'broker',
    status: 409,
    zh: 'RabbitMQ用户已属于其他部署',
    en: "registering a RabbitMQ client: its broker user exists and is not this deployment's (permissions in another vhost, or tags); broker users are global, so it is not taken over — give each deployment on the broker its own amqp.userPrefix",
  },

  // ---- the import client and the CLI ----
  OSW_TRANSPORT_UNREACHABLE: {
    area: 'client',
    status: 503,
    zh: '无法连接平台',
    en: 'the platform or the broker cannot be reached, the connection dropped, or a publish was not confirmed; retried with backoff, then C18',
  },
  OSW_TRANSPORT_TIMEOUT: {
    area: 'client',
    status: 504,
    zh: '等待平台响应超时',
    en: 'no import answer within `sendTimeoutMs`; retried with the same message id, the last one gives C141',
  },
  OSW_TRANSPORT_BAD_ANSWER: {
    area: 'client',
    status: 502,
    zh: '平台响应无法读取',
    en: 'the answer on the reply-to queue is not JSON; retried',
  },
  OSW_TRANSPORT_ABORTED: { area: 'client', status: 503, zh: '发送已中止', en: 'a send was interrupted because the client is stopping' },
  OSW_TRANSPORT_CLOSED: { area: 'client', status: 503, zh: '传输通道已关闭', en: 'the transport was closed (the client is stopping)' },
  OSW_REMOTE_ERROR: {
    area: 'client',
    status: 502,
    zh: '平台返回了无法识别的错误',
    en: "an HTTP error answer without a code this version knows (a proxy's error page, a newer platform); the message has the status and the code as received",
  },
  OSW_CONFIG_INVALID: {
    area: 'client',
    status: 500,
    zh: '配置有误',
    en: 'client, platform or sandbox scenario configuration invalid; every problem listed at once',
  },
  OSW_CLIENT_ENVIRONMENT_CONFLICT: {
    area: 'client',
    status: 409,
    zh: '同一台电脑不能同时运行测试和生产环境客户端',
    en: 'a client of the other environment (test/prod) already runs on this machine',
  },
  OSW_CLIENT_NOT_RUNNING: {
    area: 'client',
    status: 503,
    zh: '客户端未运行',
    en: '`osw client status`: no client answers on the status page port',
  },
  OSW_CLIENT_STATUS: {
    area: 'client',
    status: 502,
    zh: '客户端状态页返回错误',
    en: '`osw client status`: the status page answered an error without a code',
  },
  OSW_NETWORK: { area: 'client', status: 503, zh: '无法连接平台', en: 'the web console could not reach the platform' },
  OSW_CLIENT_FOLDER_LINK: {
    area: 'client',
    status: 500,
    zh: '客户端文件夹是链接',
    en: 'a folder the client keeps inside ImpPath (the work folder `.osw-work`, a SentBox/FailBox day folder, `.osw-state`) is a link or not a folder: the client follows no link there',
  },
  OSW_CARD_FILE_EXPOSED: {
    area: 'client',
    status: 500,
    zh: '卡文件权限过宽，其他用户可读取',
    en: 'the client refuses to start: the card file may be read by the group or others (mode 0644 …); `chmod 600` it',
  },
  OSW_STATUS_HOST_REFUSED: {
    area: 'client',
    status: 421,
    zh: '状态页不接受该主机名',
    en: 'the status page answers only the host names in `statusPage.allowedHosts` (127.0.0.1, localhost, ::1 by default): a `Host` header of another name (DNS rebinding) is refused',
  },
  OSW_STATUS_CROSS_SITE: {
    area: 'client',
    status: 403,
    zh: '状态页拒绝跨站请求',
    en: "a pause/resume without the status page's own proof: another site's `Origin`/`Referer`, or no `X-Status-Page-Request` header (a form post or a no-cors fetch from another page)",
  },
  OSW_STATUS_PASSWORD: {
    area: 'client',
    status: 401,
    zh: '状态页需要密码',
    en: 'the status page has a password (`statusPage.passwordHash`, or the environment variable OSW_CLIENT_STATUS_PASSWORD) and the request gave none or a wrong one (HTTP Basic)',
  },
  // ---- osw signer: the network signer (加密机) that keeps card keys and signs for import clients ----
  OSW_SIGNER_TOKEN_INVALID: {
    area: 'client',
    status: 401,
    zh: '加密机访问令牌无效',
    en: '`osw signer`: a request without `Authorization: Bearer <token>` or a TLS client certificate the signer pins (mutual TLS), or with a token or certificate it does not know (revoked, mistyped); the same answer for all',
  },
  OSW_SIGNER_KEY_NOT_ALLOWED: {
    area: 'client',
    status: 403,
    zh: '该客户端无权使用此卡',
    en: '`osw signer`: the card is not one of the cards this client token may use (also for a card the signer does not hold: the answer does not tell which cards exist)',
  },
  OSW_SIGNER_FILE_EXPOSED: {
    area: 'client',
    status: 500,
    zh: '加密机密钥文件权限过宽',
    en: '`osw signer serve` (its TLS key, its config with the token hashes, a card file it holds) or an import client (`signer.tokenFile`, `signer.keyFile`) refuses to start on a secret file the group or others may read; `chmod 600` it',
  },
} as const satisfies Record<`OSW_${string}`, ErrorCodeEntry>;

/** A code of the table. */
export type OswCode = keyof typeof ERROR_CODES;
/** Every code an `OswError` may carry: the table's, and the import client's failCodes. */
export type ErrorCode = OswCode | FailCode;

/**
 * The HTTP status of a failCode: a message that cannot be read as it is (the platform answers the
 * exchange's C901/C903/C9xx refusals so).
 */
export const FAIL_CODE_STATUS = 400;

export function isOswCode(code: unknown): code is OswCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

export function isFailCode(code: unknown): code is FailCode {
  return typeof code === 'string' && Object.hasOwn(FAIL_CODES, code);
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return isOswCode(code) || isFailCode(code);
}

/** The HTTP status an answer with this code carries. */
export function httpStatusOf(code: ErrorCode): number {
  return isFailCode(code) ? FAIL_CODE_STATUS : ERROR_CODES[code].status;
}

/**
 * An error answer received from another process (`{ error: { code, message } }`): its code when
 * this table knows it, else `fallback`, with the code as received kept in front of the message.
 */
export function receivedError(
  error: { code?: unknown; message?: unknown } | null | undefined,
  fallback: OswCode,
): { code: ErrorCode; message?: string } {
  const said = typeof error?.message === 'string' ? error.message : undefined;
  const code = error?.code;
  if (isErrorCode(code)) return { code, message: said };
  if (typeof code === 'string' && code !== '') return { code: fallback, message: said === undefined ? `[${code}]` : `[${code}] ${said}` };
  return { code: fallback, message: said };
}
