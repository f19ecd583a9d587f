// The user's sessions with status and role filters (in the URL) and offset pagination.
import { useSearchParams } from 'react-router-dom';
import { sessions } from '../../utils/api.js';
import { usePagination } from '../../hooks/usePagination.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { viewerZone } from '../../utils/time.js';
import { SESSION_STATUSES } from '../../utils/constants.js';
import Pagination from '../Common/Pagination.jsx';
import { EmptyState, ErrorState, SkeletonLines } from '../Common/States.jsx';
import SessionCard from './SessionCard.jsx';

export default function SessionsList() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') || '';
  const type = params.get('type') || '';
  const p = usePagination((q) => sessions.list({ ...q, status, type }), [status, type], { limit: 10 });
  const tz = user.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();
  const setFilter = (k, v) => setParams((prev) => {
    const n = new URLSearchParams(prev);
    if (v) n.set(k, v); else n.delete(k);
    n.delete('page');
    return n;
  });
  const cancel = async (s) => {
    if (!window.confirm(`Cancel ${s.skill}?`)) return;
    try { await sessions.cancel(s._id); p.reload(); } catch (e) { window.alert(e.message); }
  };
  return (
    <div className="space-y-4" data-testid="sessions-list">
      <div className="flex flex-wrap gap-3">
        <div>
          <label htmlFor="session-status" className="label">Status</label>
          <select id="session-status" className="input" value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">All</option>
            {SESSION_STATUSES.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="session-type" className="label">Role</label>
          <select id="session-type" className="input" value={type} onChange={(e) => setFilter('type', e.target.value)}>
            <option value="">Teaching and learning</option>
            <option value="taught">Teaching</option>
            <option value="learned">Learning</option>
          </select>
        </div>
      </div>
      {p.error && <ErrorState error={p.error} onRetry={p.reload} what="sessions" />}
      {!p.error && p.loading && !p.data.length && <SkeletonLines n={3} />}
      {!p.error && !p.loading && !p.data.length && <EmptyState title="No sessions here">Book one from someone's profile in Discover.</EmptyState>}
      <div className="space-y-3">{p.data.map((s) => <SessionCard key={s._id} session={s} me={user} tz={tz} onCancel={cancel} />)}</div>
      <Pagination pagination={p.pagination} count={p.data.length} onPageChange={p.setPage} label="Session pages" />
    </div>
  );
}
