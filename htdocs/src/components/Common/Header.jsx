// Top bar: menu button (phones), credits available and held, the live notification bell,
// the account menu.
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useAuth } from '../../context/AuthContext.jsx';
import { useNotifications } from '../../context/NotificationContext.jsx';
import { useCredits } from '../../hooks/useCredits.js';
import { formatCredits, relative } from '../../utils/time.js';
import Avatar from './Avatar.jsx';

function Bell() {
  const { items, unread, available, markRead, markAllRead } = useNotifications();
  const [open, setOpen] = useState(false);
  const ref = useRef(null);
  const navigate = useNavigate();
  useEffect(() => {
    if (!open) return undefined;
    const close = (e) => { if (!ref.current?.contains(e.target)) setOpen(false); };
    const esc = (e) => { if (e.key === 'Escape') setOpen(false); };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => { document.removeEventListener('mousedown', close); document.removeEventListener('keydown', esc); };
  }, [open]);
  return (
    <div className="relative" ref={ref}>
      <button type="button" className="relative rounded-full p-2 text-slate-800 hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-indigo-600"
        aria-expanded={open} aria-haspopup="true"
        onClick={() => setOpen((o) => !o)} data-testid="notification-bell">
        <svg viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
          <path d="M15 17h5l-1.4-1.4A2 2 0 0 1 18 14.2V11a6 6 0 1 0-12 0v3.2a2 2 0 0 1-.6 1.4L4 17h5m6 0a3 3 0 1 1-6 0" />
        </svg>
        <span className="sr-only">Notifications</span>
        {unread > 0 && (
          <span className="absolute -right-0.5 -top-0.5 min-w-[1.25rem] rounded-full bg-red-700 px-1 text-center text-xs font-bold text-white" data-testid="notification-count">
            {unread > 99 ? '99+' : unread}<span className="sr-only"> unread</span>
          </span>
        )}
      </button>
      {open && (
        <div className="absolute right-0 z-30 mt-2 w-80 max-w-[calc(100vw-1rem)] rounded-lg border border-slate-200 bg-white shadow-lg">
          <div className="flex items-center justify-between border-b border-slate-200 px-4 py-2">
            <h2 className="text-sm font-semibold">Notifications</h2>
            {unread > 0 && <button type="button" className="text-sm text-indigo-800 underline" onClick={markAllRead}>Mark all read</button>}
          </div>
          <ul className="max-h-96 overflow-y-auto">
            {!available && <li className="px-4 py-3 text-sm text-slate-700">Notifications are not available on this server yet.</li>}
            {available && items.length === 0 && <li className="px-4 py-3 text-sm text-slate-700">Nothing new.</li>}
            {items.map((n) => (
              <li key={n._id}>
                <button type="button" className={`block w-full px-4 py-3 text-left text-sm hover:bg-slate-50 ${n.isRead ? '' : 'bg-indigo-50'}`}
                  onClick={() => { if (!n.isRead) markRead(n._id).catch(() => {}); setOpen(false); if (n.link) navigate(n.link); }}>
                  <span className="block font-medium text-slate-900">{n.title}</span>
                  {n.body && <span className="block truncate text-slate-700">{n.body}</span>}
                  <span className="block text-xs text-slate-600">{relative(n.createdAt)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export default function Header({ onMenu }) {
  const { user, logout } = useAuth();
  const { available, held } = useCredits();
  const navigate = useNavigate();
  return (
    <header className="sticky top-0 z-20 flex h-16 items-center gap-2 border-b border-slate-200 bg-white px-3 sm:px-6">
      <button type="button" className="rounded p-2 text-slate-800 hover:bg-slate-100 lg:hidden" onClick={onMenu} aria-label="Open menu" data-testid="menu-button">
        <svg viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16" /></svg>
      </button>
      <Link to="/dashboard" className="text-lg font-bold text-indigo-800">Skill Barter</Link>
      <div className="ml-auto flex items-center gap-2 sm:gap-4">
        <Link to="/credits" className="rounded-md bg-indigo-50 px-2 py-1 text-sm text-indigo-900" data-testid="header-credits"
          aria-label={`${formatCredits(available)} credits available, ${formatCredits(held)} held`}>
          <span className="font-semibold" data-testid="credits-available">{formatCredits(available)}</span>
          <span className="hidden sm:inline"> credits</span>
          {held > 0 && <span className="ml-1 text-indigo-800" data-testid="credits-held">(+{formatCredits(held)} held)</span>}
        </Link>
        <Bell />
        <Link to="/profile" className="hidden sm:block" aria-label="Your profile"><Avatar user={user} size={8} /></Link>
        <button type="button" className="btn-secondary px-3 py-1.5" onClick={async () => { await logout().catch(() => {}); navigate('/login'); }}>
          Log out
        </button>
      </div>
    </header>
  );
}
