/**
 * The console's only way to the platform: the REST API under `/api/v1`. Errors keep the API's
 * `{error: {code, message}}` so screens show the platform's own words, in the chosen language.
 */
import type { Session } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** For OSW_CARD_PIN_WRONG: the tries left the message names ("还可以重试N次" / "N tries left"). */
  get triesLeft(): number | null {
    if (this.code !== 'OSW_CARD_PIN_WRONG') return null;
    const m = /(\d+)/.exec(this.message.replace(/\d{13}/g, ''));
    return m ? Number(m[1]) : null;
  }
}

/** What to show for a failed call: the platform's message (in the console's language), else the error itself. */
export function errorText(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}

export type { Session };

const SESSION_KEY = 'osw.session';
let language: 'zh' | 'en' = 'zh';
let onSessionLost: (() => void) | null = null;

export function setApiLanguage(l: 'zh' | 'en') {
  language = l;
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s && new Date(s.expiresAt).getTime() > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null) {
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
}

export function whenSessionLost(fn: (() => void) | null) {
  onSessionLost = fn;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  opts: { body?: unknown; query?: Query } = {},
): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const url = path + (qs.size ? `?${qs}` : '');
  const headers: Record<string, string> = { 'accept-language': language, accept: 'application/json' };
  const session = loadSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  } catch (err) {
    throw new ApiError(0, 'OSW_NETWORK', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const err = new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? (text.slice(0, 200) || res.statusText));
    if (res.status === 401 && err.code === 'OSW_AUTH_REQUIRED' && session) {
      saveSession(null);
      onSessionLost?.();
    }
    throw err;
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, { query });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, { body: body ?? {} });
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, { body });

/**
 * Downloads a CSV export (`GET <path>` with the screen's filter, headers in the console's language)
 * as a file: the token goes in the Authorization header, so the file is fetched and handed to the
 * browser as a blob.
 */
export async function downloadCsv(path: string, query: Query = {}): Promise<void> {
  const qs = new URLSearchParams({ lang: language });
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const headers: Record<string, string> = { 'accept-language': language, accept: 'text/csv' };
  const session = loadSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  const res = await fetch(`${path}?${qs}`, { headers });
  if (!res.ok) {
    const e = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? res.statusText);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.csv';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Logs out: the platform revokes the token (`DELETE /api/v1/session`), then the console forgets it. */
export async function logout(): Promise<void> {
  try {
    if (loadSession()) await api<null>('DELETE', '/api/v1/session');
  } catch {
    // a session the platform no longer knows is as good as revoked; the token is forgotten either way
  } finally {
    saveSession(null);
  }
}
