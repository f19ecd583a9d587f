import { NavLink } from 'react-router-dom';
import { useNotifications } from '../../context/NotificationContext.jsx';

const LINKS = [
  ['/dashboard', 'Dashboard'],
  ['/discover', 'Discover'],
  ['/messages', 'Messages'],
  ['/sessions', 'Sessions'],
  ['/credits', 'Credits'],
  ['/profile', 'Profile'],
];

export default function Sidebar({ open, onClose }) {
  const { unreadMessages } = useNotifications();
  const nav = (
    <nav aria-label="Main" className="flex flex-col gap-1 p-3">
      {LINKS.map(([to, label]) => (
        <NavLink key={to} to={to} onClick={onClose}
          className={({ isActive }) => `flex items-center justify-between rounded-md px-3 py-2 text-sm font-medium ${isActive ? 'bg-indigo-700 text-white' : 'text-slate-800 hover:bg-slate-100'}`}>
          <span>{label}</span>
          {to === '/messages' && unreadMessages > 0 && (
            <span className="badge bg-red-700 text-white" data-testid="unread-messages" aria-label={`${unreadMessages} unread`}>{unreadMessages}</span>
          )}
        </NavLink>
      ))}
    </nav>
  );
  return (
    <>
      <aside className="hidden min-h-[calc(100vh-4rem)] w-56 shrink-0 border-r border-slate-200 bg-white lg:block">{nav}</aside>
      {open && (
        <div className="fixed inset-0 z-30 lg:hidden">
          <button type="button" className="absolute inset-0 h-full w-full bg-slate-900/50" aria-label="Close menu" onClick={onClose} />
          <aside className="absolute inset-y-0 left-0 w-64 bg-white shadow-xl" data-testid="mobile-nav">{nav}</aside>
        </div>
      )}
    </>
  );
}
