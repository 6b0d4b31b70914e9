import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, get } from '../api/client.js';
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
      if (n === seq.current) setError(err instanceof ApiError ? err.message : String(err));
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
      setError(err instanceof ApiError ? err.message : String(err));
      return [];
    } finally {
      setBusy(false);
    }
  }, []);
  return { clients, error, busy, query };
}
