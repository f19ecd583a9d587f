import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../context/AuthContext.jsx';
import EditProfile from '../components/Profile/EditProfile.jsx';
import SkillsManager from '../components/Profile/SkillsManager.jsx';
import AvailabilityManager from '../components/Profile/AvailabilityManager.jsx';
import AvatarUpload from '../components/Profile/AvatarUpload.jsx';
import ProfileStats from '../components/Profile/ProfileStats.jsx';

const TABS = [['profile', 'Profile'], ['skills', 'Skills'], ['availability', 'Availability'], ['picture', 'Picture']];

export default function ProfilePage() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const tab = TABS.some(([k]) => k === params.get('tab')) ? params.get('tab') : 'profile';
  const [welcome] = useState(params.get('welcome') === '1');
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold text-slate-900">Your profile</h1>
        <Link className="text-sm text-indigo-800 underline" to={`/users/${user._id}`}>See your public profile</Link>
      </div>
      {welcome && (
        <p role="status" className="rounded-md bg-indigo-50 p-3 text-sm text-indigo-900" data-testid="welcome">
          Welcome, {user.firstName}! Add what you can teach and what you want to learn, so people can find you.
        </p>
      )}
      {!user.isVerified && <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-900">Check your mail to confirm your email address.</p>}
      <ProfileStats user={user} />
      <div role="tablist" aria-label="Profile sections" className="flex flex-wrap gap-2 border-b border-slate-200">
        {TABS.map(([k, label]) => (
          <button type="button" role="tab" key={k} aria-selected={tab === k} id={`tab-${k}`} aria-controls={`panel-${k}`}
            onClick={() => setParams({ tab: k }, { replace: true })}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${tab === k ? 'border-indigo-700 text-indigo-800' : 'border-transparent text-slate-700 hover:text-slate-900'}`}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'profile' && <div className="card"><EditProfile /></div>}
        {tab === 'skills' && <SkillsManager />}
        {tab === 'availability' && <AvailabilityManager key={user.timezone} />}
        {tab === 'picture' && <AvatarUpload />}
      </div>
    </div>
  );
}
