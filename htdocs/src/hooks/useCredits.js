// The caller's credits from GET /api/credits/balance: {available, held, balance, totalEarned,
// totalSpent, hoursTaught, hoursLearned} in hours (held: the holds of booked sessions).
// Fetched again when the user's credits change (after a session settles, see AuthContext).
import { useEffect, useState } from 'react';
import { credits as creditsApi } from '../utils/api.js';
import { useAuth } from '../context/AuthContext.jsx';

export function useCredits() {
  const { user } = useAuth();
  const [balance, setBalance] = useState(null);
  useEffect(() => {
    let live = true;
    if (!user) return undefined;
    creditsApi.balance().then((r) => { if (live) setBalance(r.data); }).catch(() => { if (live) setBalance(null); });
    return () => { live = false; };
  }, [user?._id, user?.credits]); // eslint-disable-line react-hooks/exhaustive-deps
  // until the answer comes, the profile's own count (available credits) stands in
  const available = balance ? balance.available : user?.credits;
  return { available: Number(available) || 0, held: Number(balance?.held) || 0, balance, loaded: !!balance };
}
