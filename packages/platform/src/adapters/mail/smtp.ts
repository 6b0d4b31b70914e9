/**
 * Alert mail over SMTP (nodemailer). The password stays inside the transport: it is never logged,
 * and `describeSmtp` shows the server without it.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { AlertMailer } from '../../core/alerts/alerts.js';
import type { Logger } from '../../core/ports.js';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it */
  secure: boolean;
  /** refuse to send without STARTTLS */
  requireTls: boolean;
  user?: string;
  password?: string;
  /** `From:` of alert mail */
  from: string;
  timeoutMs: number;
  /** accept a self-signed server certificate (a local relay) */
  allowSelfSigned: boolean;
}

/** The server as logs and config output show it: no password. */
export function describeSmtp(o: Pick<SmtpOptions, 'host' | 'port' | 'secure' | 'user'>): string {
  return `smtp${o.secure ? 's' : ''}://${o.user ? `${encodeURIComponent(o.user)}:[REDACTED]@` : ''}${o.host}:${o.port}`;
}

export class SmtpAlertMailer implements AlertMailer {
  private readonly transport: Transporter;

  constructor(
    private readonly opts: SmtpOptions,
    private readonly logger: Logger,
  ) {
    this.transport = nodemailer.createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure,
      requireTLS: opts.requireTls,
      auth: opts.user ? { user: opts.user, pass: opts.password ?? '' } : undefined,
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      tls: opts.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
      logger: false,
    });
  }

  async send(mail: { to: string[]; subject: string; text: string }): Promise<void> {
    const info = await this.transport.sendMail({ from: this.opts.from, to: mail.to, subject: mail.subject, text: mail.text });
    this.logger.info({ smtp: describeSmtp(this.opts), messageId: info.messageId, recipients: mail.to.length }, 'alert mail handed to SMTP');
  }

  close(): void {
    this.transport.close();
  }
}
