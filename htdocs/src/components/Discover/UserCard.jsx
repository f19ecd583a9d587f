import Avatar from '../Common/Avatar.jsx';

export function Stars({ rating, count }) {
  const r = Math.round((Number(rating) || 0) * 10) / 10;
  return (
    <span className="text-sm text-slate-800" aria-label={`Rated ${r} out of 5${count !== undefined ? ` from ${count} reviews` : ''}`}>
      <span className="text-amber-700" aria-hidden="true">★</span> {r.toFixed(1)}
      {count !== undefined && <span className="text-slate-700"> ({count})</span>}
    </span>
  );
}

export default function UserCard({ user, onOpen, online }) {
  return (
    <article className="card flex flex-col" data-testid="user-card" aria-labelledby={`card-${user._id}`}>
      <div className="flex items-center gap-3">
        <Avatar user={user} size={12} online={online} />
        <div className="min-w-0">
          <h3 id={`card-${user._id}`} className="truncate font-semibold text-slate-900">{user.fullName}</h3>
          <p className="truncate text-sm text-slate-700">@{user.username}{user.country ? ` · ${user.country}` : ''}</p>
        </div>
        <div className="ml-auto"><Stars rating={user.rating} count={user.totalReviews} /></div>
      </div>
      {user.bio && <p className="mt-3 line-clamp-2 text-sm text-slate-800">{user.bio}</p>}
      <div className="mt-3">
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-700">Teaches</h4>
        <ul className="mt-1 flex flex-wrap gap-1">
          {(user.skillsOffered || []).slice(0, 4).map((s) => (
            <li key={s.skill} className="badge bg-indigo-100 text-indigo-900">{s.skill}</li>
          ))}
        </ul>
      </div>
      {(user.skillsWanted || []).length > 0 && (
        <div className="mt-2">
          <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-700">Wants to learn</h4>
          <ul className="mt-1 flex flex-wrap gap-1">
            {user.skillsWanted.slice(0, 3).map((s) => <li key={s.skill} className="badge bg-emerald-100 text-emerald-900">{s.skill}</li>)}
          </ul>
        </div>
      )}
      {(user.languages || []).length > 0 && <p className="mt-2 text-xs text-slate-700">Speaks {user.languages.join(', ')}</p>}
      <div className="mt-auto pt-4">
        <button type="button" className="btn-secondary w-full" onClick={() => onOpen(user)}>View <span className="sr-only">{user.fullName}&apos;s </span>profile</button>
      </div>
    </article>
  );
}
