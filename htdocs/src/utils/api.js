// The API client: axios on /api with the bearer token, and one silent refresh on a 401.
// Concurrent requests that fail together share a single refresh call (refresh tokens rotate on
// every use and a reused one revokes its family, so two refreshes in parallel would log out).
import axios from 'axios';
import { createTokenStore } from './tokens.js';

const NO_REFRESH = /\/auth\/(login|register|refresh|logout|forgot-password|reset-password|verify-email)$/;

export class ApiError extends Error {
  constructor(message, { status = 0, errors = [], data = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.data = data;
  }
}

function toApiError(err) {
  if (err instanceof ApiError) return err;
  const res = err?.response;
  if (!res) return new ApiError(err?.message || 'The server cannot be reached.', { status: 0 });
  const body = res.data && typeof res.data === 'object' ? res.data : {};
  const fallback = res.status === 404 ? 'Not found.' : `Request failed (${res.status}).`;
  return new ApiError(body.message || fallback, {
    status: res.status,
    errors: Array.isArray(body.errors) ? body.errors : [],
    data: body,
  });
}

export function createApi({ tokens = createTokenStore(), adapter, onSessionEnded } = {}) {
  const http = axios.create({ baseURL: '/api', timeout: 20000, ...(adapter ? { adapter } : {}) });
  let inflight = null;

  // One refresh at a time; everyone who asks while it runs gets the same promise.
  function refreshOnce() {
    if (inflight) return inflight;
    const refreshToken = tokens.refresh;
    if (!refreshToken) return Promise.reject(new ApiError('Not signed in.', { status: 401 }));
    inflight = http.post('/auth/refresh', { refreshToken }, { skipAuth: true })
      .then((res) => {
        const { token, refreshToken: next } = res.data.data;
        tokens.set(token, next);
        return token;
      })
      .catch((err) => {
        const e = toApiError(err);
        if (e.status === 401 || e.status === 400 || e.status === 403) {
          tokens.clear();
          onSessionEnded?.(e);
        }
        throw e;
      })
      .finally(() => { inflight = null; });
    return inflight;
  }

  http.interceptors.request.use((cfg) => {
    const t = tokens.access;
    if (t && !cfg.skipAuth) {
      cfg.headers = cfg.headers || {};
      cfg.headers.Authorization = `Bearer ${t}`;
      cfg.sentToken = t;
    }
    return cfg;
  });

  http.interceptors.response.use((res) => res, async (err) => {
    const cfg = err?.config;
    const status = err?.response?.status;
    if (status !== 401 || !cfg || cfg.retried || cfg.skipAuth || NO_REFRESH.test(cfg.url || '')
        || !tokens.refresh) {
      throw toApiError(err);
    }
    cfg.retried = true;
    // Someone else already refreshed while this request was on the wire: just retry.
    const current = tokens.access;
    const token = current && current !== cfg.sentToken ? current : await refreshOnce();
    cfg.headers.Authorization = `Bearer ${token}`;
    try {
      return await http.request(cfg);
    } catch (e) {
      throw toApiError(e);
    }
  });

  const unwrap = (p) => p.then((res) => res.data).catch((e) => { throw toApiError(e); });
  const api = {
    http,
    tokens,
    refreshOnce,
    get: (url, params, cfg) => unwrap(http.get(url, { params, ...cfg })),
    post: (url, body, cfg) => unwrap(http.post(url, body, cfg)),
    put: (url, body, cfg) => unwrap(http.put(url, body, cfg)),
    del: (url, cfg) => unwrap(http.delete(url, cfg)),
  };
  return api;
}

// The application's client and the endpoints it uses (paths as the spec lists them).
export const tokens = createTokenStore();
export const api = createApi({ tokens });

const clean = (o) => Object.fromEntries(Object.entries(o || {})
  .filter(([, v]) => v !== '' && v !== null && v !== undefined));

export const auth = {
  register: (b) => api.post('/auth/register', b),
  login: (b) => api.post('/auth/login', b),
  logout: (refreshToken) => api.post('/auth/logout', { refreshToken }),
  forgot: (email) => api.post('/auth/forgot-password', { email }),
  reset: (token, password) => api.post('/auth/reset-password', { token, password }),
  verify: (token) => api.post('/auth/verify-email', { token }),
};
export const users = {
  me: () => api.get('/users/profile'),
  update: (b) => api.put('/users/profile', b),
  byId: (id) => api.get(`/users/${id}`),
  reviews: (id, q) => api.get(`/users/${id}/reviews`, clean(q)),
  offered: (skills) => api.put('/users/skills/offered', { skills }),
  wanted: (skills) => api.put('/users/skills/wanted', { skills }),
  availability: (availability, timezone) => api.put('/users/availability', clean({ availability, timezone })),
  uploadAvatar: (file, onProgress) => {
    const form = new FormData();
    form.append('avatar', file);
    return api.post('/users/upload-avatar', form, {
      onUploadProgress: (e) => onProgress?.(e.total ? e.loaded / e.total : 0),
    });
  },
  blocked: () => api.get('/users/blocked'),
  block: (id) => api.post(`/users/${id}/block`),
  unblock: (id) => api.del(`/users/${id}/block`),
};
// Answers that change slowly (categories, trending), kept for a minute so going back to
// discover does not ask again.
const memo = new Map();
export function cached(key, ms, fn) {
  const hit = memo.get(key);
  if (hit && hit.until > Date.now()) return hit.promise;
  const promise = fn().catch((e) => { memo.delete(key); throw e; });
  memo.set(key, { promise, until: Date.now() + ms });
  return promise;
}

export const discover = {
  list: (q) => api.get('/discover', clean(q)),
  search: (q) => api.get('/discover/search', clean(q)),
  categories: () => cached('categories', 60000, () => api.get('/discover/categories')),
  trending: () => cached('trending', 60000, () => api.get('/discover/trending')),
  matches: (q) => api.get('/discover/matches', clean(q)),
  detail: (id) => api.get(`/discover/${id}`),
};
export const messages = {
  conversations: (q) => api.get('/messages/conversations', clean(q)),
  thread: (userId, q) => api.get(`/messages/${userId}`, clean(q)),
  send: (b) => api.post('/messages/send', b),
  sessionRequest: (b) => api.post('/messages/session-request', b),
  read: (id) => api.put(`/messages/${id}/read`),
  readAll: (userId) => api.put(`/messages/${userId}/read-all`),
  remove: (id) => api.del(`/messages/${id}`),
};
export const notifications = {
  list: (q) => api.get('/notifications', clean(q)),
  read: (id) => api.put(`/notifications/${id}/read`),
  readAll: () => api.put('/notifications/read-all'),
};
export const sessions = {
  list: (q) => api.get('/sessions', clean(q)),
  get: (id) => api.get(`/sessions/${id}`),
  create: (b) => api.post('/sessions/create', b),
  update: (id, b) => api.put(`/sessions/${id}`, b),
  cancel: (id) => api.del(`/sessions/${id}`),
  start: (id) => api.post(`/sessions/${id}/start`),
  end: (id) => api.post(`/sessions/${id}/end`),
  review: (id, b) => api.post(`/sessions/${id}/review`, b),
  room: (id) => api.get(`/sessions/${id}/room`),
};
export const credits = {
  balance: () => api.get('/credits/balance'),
  transactions: (q) => api.get('/credits/transactions', clean(q)),
  stats: () => api.get('/credits/stats'),
};

// Field errors of a failed request mapped onto a form (react-hook-form's setError).
export function applyFieldErrors(err, setError, known) {
  let any = false;
  for (const e of err?.errors || []) {
    const field = String(e.field || '');
    if (!known || known.includes(field)) {
      setError(field, { type: 'server', message: e.message });
      any = true;
    }
  }
  return any;
}

// A missing API on this server (the route table answers 404 "Route not found.").
export const isMissingRoute = (err) => err?.status === 404 && /route not found/i.test(err.message);
