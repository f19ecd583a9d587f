// Who is signed in. Tokens live in localStorage (utils/tokens.js); on start the profile is
// fetched with them (a 401 refreshes once, silently). Logout revokes the refresh token.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { auth, tokens, users } from '../utils/api.js';

const AuthContext = createContext(null);

export function AuthProvider({ children }) {
  const [user, setUser] = useState(null);
  const [ready, setReady] = useState(!tokens.access && !tokens.refresh);

  useEffect(() => {
    let live = true;
    if (tokens.access || tokens.refresh) {
      users.me().then((r) => { if (live) setUser(r.data); })
        .catch(() => { if (live) setUser(null); })
        .finally(() => { if (live) setReady(true); });
    }
    const off = tokens.subscribe(({ access, refresh }) => {
      if (!access && !refresh) setUser(null);
    });
    return () => { live = false; off(); };
  }, []);

  const signedIn = useCallback((data) => {
    tokens.set(data.token, data.refreshToken);
    setUser(data.user);
    return data.user;
  }, []);

  const value = useMemo(() => ({
    user,
    ready,
    setUser,
    async login(login, password) {
      const body = login.includes('@') ? { email: login, password } : { username: login, password };
      const r = await auth.login(body);
      return signedIn(r.data);
    },
    async register(form) {
      const r = await auth.register(form);
      return signedIn(r.data);
    },
    async refreshUser() {
      const r = await users.me();
      setUser(r.data);
      return r.data;
    },
    async logout() {
      const rt = tokens.refresh;
      try {
        if (rt) await auth.logout(rt);
      } finally {
        tokens.clear();
        setUser(null);
      }
    },
  }), [user, ready, signedIn]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth() {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
