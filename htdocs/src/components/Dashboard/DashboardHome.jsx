import { Link } from 'react-router-dom';
import { useAuth } from '../../context/AuthContext.jsx';
import CreditBalance from './CreditBalance.jsx';
import UpcomingSessions from './UpcomingSessions.jsx';
import RecentActivity from './RecentActivity.jsx';
import QuickStats from './QuickStats.jsx';

export default function DashboardHome() {
  const { user } = useAuth();
  return (
    <div className="mx-auto max-w-6xl space-y-6" data-testid="dashboard">
      <h1 className="text-2xl font-bold text-slate-900">Hello, {user.firstName}</h1>
      {!(user.skillsOffered || []).length && (
        <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-900">
          Nobody can find you yet: <Link to="/profile?tab=skills" className="underline">add a skill you can teach</Link>.
        </p>
      )}
      <QuickStats user={user} />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <CreditBalance />
        <div className="lg:col-span-2"><UpcomingSessions /></div>
      </div>
      <RecentActivity />
    </div>
  );
}
