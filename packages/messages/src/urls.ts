/** Connection URLs (amqp://, postgres://) as they may be shown: never with a password in them. */

/** The URL with its password masked, for logs and banners; a URL that cannot be read is not echoed. */
export function hidePassword(url: string, mask = '***'): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = mask;
    return u.toString();
  } catch {
    return '(unreadable URL)';
  }
}

/** The URL without user and password: where to connect, not as whom. */
export function withoutLogin(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}
