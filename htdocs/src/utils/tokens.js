// Access and refresh tokens, kept in localStorage so a reload keeps the session. Listeners
// hear every change (login, refresh, logout) so the socket and the auth context follow it.
const ACCESS = 'sb.token';
const REFRESH = 'sb.refreshToken';

export function createTokenStore(storage = globalThis.localStorage) {
  const listeners = new Set();
  const read = (k) => {
    try { return storage?.getItem(k) || null; } catch { return null; }
  };
  const write = (k, v) => {
    try {
      if (v) storage?.setItem(k, v); else storage?.removeItem(k);
    } catch { /* private mode: tokens live for this page only */ }
  };
  return {
    get access() { return read(ACCESS); },
    get refresh() { return read(REFRESH); },
    set(access, refresh) {
      write(ACCESS, access);
      if (refresh !== undefined) write(REFRESH, refresh);
      listeners.forEach((fn) => fn({ access, refresh: read(REFRESH) }));
    },
    clear() {
      write(ACCESS, null);
      write(REFRESH, null);
      listeners.forEach((fn) => fn({ access: null, refresh: null }));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
