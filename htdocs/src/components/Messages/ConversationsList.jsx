import { NavLink } from 'react-router-dom';
import Avatar from '../Common/Avatar.jsx';
import { relative } from '../../utils/time.js';

export default function ConversationsList({ conversations, online, me }) {
  return (
    <nav aria-label="Conversations">
      <ul className="divide-y divide-slate-200" data-testid="conversations">
        {conversations.map((c) => {
          const u = c.otherUser;
          const mine = (c.lastMessage?.sender?._id || c.lastMessage?.sender) === me._id;
          return (
            <li key={c._id}>
              <NavLink to={`/messages/${u._id}`} data-testid="conversation"
                className={({ isActive }) => `flex items-center gap-3 px-3 py-3 hover:bg-slate-50 ${isActive ? 'bg-indigo-50' : ''}`}>
                <Avatar user={u} size={10} online={online.has(u._id)} />
                <div className="min-w-0 flex-1">
                  <div className="flex items-baseline justify-between gap-2">
                    <span className="truncate font-medium text-slate-900">{u.fullName}</span>
                    <span className="shrink-0 text-xs text-slate-700">{relative(c.lastMessage?.createdAt)}</span>
                  </div>
                  <p className="truncate text-sm text-slate-700">{mine ? 'You: ' : ''}{c.lastMessage?.content}</p>
                </div>
                {c.unreadCount > 0 && <span className="badge bg-red-700 text-white" data-testid="conversation-unread" aria-label={`${c.unreadCount} unread`}>{c.unreadCount}</span>}
              </NavLink>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
