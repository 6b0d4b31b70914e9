import { useCallback, useEffect, useRef, useState } from 'react';
import { get, errorText } from '../api/client.js';
import type { ClientWithLive, List } from '../api/types.js';

/** Loads a list from the API; `reload()` fetches again. Errors come back as the API's message. */
export function useList<T>(path: string, query: Record<string, string | number | undefined>) {
  const [data, setData] = useState<List<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(query);
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const n = ++seq.current;
    setLoading(true);
    try {
      const r = await get<List<T>>(path, JSON.parse(key));
      if (n === seq.current) {
        setData(r);
        setError(null);
      }
    } catch (err) {
      if (n === seq.current) setError(errorText(err));
    } finally {
      if (n === seq.current) setLoading(false);
    }
  }, [path, key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/** 查询客户端: the enterprise's active clients, fetched when asked (as the original's button does). */
export function useClientQuery() {
  const [clients, setClients] = useState<ClientWithLive[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const query = useCallback(async () => {
    setBusy(true);
    try {
      const r = await get<List<ClientWithLive>>('/api/v1/clients', { status: 'active', pageSize: 200 });
      setClients(r.items);
      setError(null);
      return r.items;
    } catch (err) {
      setError(errorText(err));
      return [];
    } finally {
      setBusy(false);
    }
  }, []);
  return { clients, error, busy, query };
}

/** A list read a page at a time: the page shown and the list of it. */
export function usePagedList<T>(path: string, query: Record<string, string | number | undefined>, pageSize: number) {
  const [page, setPage] = useState(1);
  const list = useList<T>(path, { ...query, page, pageSize });
  return { ...list, page, setPage, pageSize };
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>;

/**
 * A paged list behind a filter form: what the form holds (`draft`), the filter in force (`query`, its
 * empty fields left out), set by `apply` (查询) and cleared by `reset` (重置), both back to page 1.
 */
export function useFilteredList<T, F extends { [K in keyof F]: string }>(path: string, empty: F, pageSize: number) {
  const [draft, setDraft] = useState<F>(empty);
  const [filter, setFilter] = useState<F>(empty);
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as Record<string, string>;
  const list = usePagedList<T>(path, query, pageSize);
  const { setPage } = list;
  return {
    list,
    draft,
    query,
    /** the form's change handler for one field */
    field: (k: keyof F) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
    apply: (next: F = draft) => {
      setFilter(next);
      setPage(1);
    },
    reset: () => {
      setDraft(empty);
      setFilter(empty);
      setPage(1);
    },
  };
}
