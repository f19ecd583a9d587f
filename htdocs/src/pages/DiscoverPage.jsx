// Discover: infinite scroll over GET /api/discover (cursor) or, with a search text, over
// GET /api/discover/search (offset pages turned into a cursor). Filters live in the URL.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import InfiniteScroll from '../components/Common/InfiniteScroll.jsx';
import SearchBar from '../components/Common/SearchBar.jsx';
import { EmptyState, SkeletonCard } from '../components/Common/States.jsx';
import UserCard from '../components/Discover/UserCard.jsx';
import SkillFilter from '../components/Discover/SkillFilter.jsx';
import CategoryFilter from '../components/Discover/CategoryFilter.jsx';
import UserDetailModal from '../components/Discover/UserDetailModal.jsx';
import { useInfiniteScroll } from '../hooks/useInfiniteScroll.js';
import { discover } from '../utils/api.js';
import { useAuth } from '../context/AuthContext.jsx';
import { useSocket } from '../context/SocketContext.jsx';

const KEYS = ['q', 'skill', 'category', 'language', 'minRating'];

function Matches({ onOpen }) {
  const [list, setList] = useState(null);
  useEffect(() => { discover.matches({ limit: 6 }).then((r) => setList(r.data || []), () => setList([])); }, []);
  if (!list || !list.length) return null;
  return (
    <section className="mb-8" aria-labelledby="matches-title" data-testid="matches">
      <h2 id="matches-title" className="mb-3 text-lg font-semibold">Matches for you</h2>
      <ul className="flex gap-3 overflow-x-auto pb-2">
        {list.map((u) => (
          <li key={u._id} className="w-56 shrink-0">
            <button type="button" className="card w-full text-left hover:border-indigo-400" onClick={() => onOpen(u)}>
              <span className="block font-medium">{u.fullName}</span>
              <span className="block truncate text-sm text-slate-700">Teaches {(u.skillsOffered || []).map((s) => s.skill).join(', ')}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Trending({ onPick }) {
  const [t, setT] = useState(null);
  useEffect(() => { discover.trending().then((r) => setT(r.data), () => setT(null)); }, []);
  if (!t?.skills?.length) return null;
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="trending">
      <span className="text-sm font-medium text-slate-800">{t.source === 'booked' ? 'Trending this week:' : 'Popular skills:'}</span>
      {t.skills.slice(0, 8).map((s) => (
        <button type="button" key={s.skill} className="badge bg-amber-100 text-amber-900 hover:bg-amber-200" onClick={() => onPick(s.skill)}>{s.skill}</button>
      ))}
    </div>
  );
}

export default function DiscoverPage() {
  const { user } = useAuth();
  const { online } = useSocket() || { online: new Set() };
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => Object.fromEntries(KEYS.map((k) => [k, params.get(k) || ''])), [params]);
  const [open, setOpen] = useState(null);
  const [categories, setCategories] = useState(null);
  useEffect(() => { discover.categories().then((r) => setCategories(r.data), () => {}); }, []);

  const update = useCallback((patch) => {
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(patch)) { if (v) next.set(k, v); else next.delete(k); }
      return next;
    }, { replace: true });
  }, [setParams]);

  const fetchPage = useCallback(async ({ cursor }) => {
    const { q, ...f } = filters;
    if (q) {
      const page = cursor ? Number(cursor) : 1;
      const r = await discover.search({ q, page, limit: 12, ...f });
      return { data: r.data, pagination: { hasMore: r.pagination?.hasMore, nextCursor: r.pagination?.hasMore ? String(page + 1) : null } };
    }
    return discover.list({ ...f, cursor, limit: 12 });
  }, [filters]);

  const scroll = useInfiniteScroll(fetchPage, [params.toString()]);
  const skeletons = Array.from({ length: scroll.items.length ? 3 : 12 }, (_, i) => <SkeletonCard key={`s${i}`} />);

  return (
    <div className="mx-auto max-w-7xl">
      <h1 className="mb-6 text-2xl font-bold text-slate-900 sm:text-3xl">Discover skills</h1>
      {!filters.q && !filters.skill && !filters.category && <Matches onOpen={setOpen} />}
      <div className="space-y-4">
        <SearchBar value={filters.q} onSearch={(q) => update({ q })} />
        <SkillFilter filters={filters} onChange={update} />
        <CategoryFilter value={filters.category} onChange={(category) => update({ category })} counts={categories} />
        <Trending onPick={(skill) => update({ skill, q: '' })} />
      </div>
      <div className="mt-8" aria-live="polite" aria-busy={scroll.loading}>
        <InfiniteScroll
          scroll={scroll}
          what="people"
          className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3"
          renderItem={(u) => <UserCard key={u._id} user={u} onOpen={setOpen} online={online?.has?.(u._id) || undefined} />}
          loading={skeletons}
          empty={<EmptyState title="No one matches yet">Try other filters or another search.</EmptyState>}
        />
      </div>
      {open && <UserDetailModal user={open} viewer={user} onClose={() => setOpen(null)} />}
    </div>
  );
}
