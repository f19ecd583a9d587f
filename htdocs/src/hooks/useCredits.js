// Credits available (the user's balance) and held (escrow for booked sessions), kept fresh
// by the balance endpoint when the server has it.
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
  const available = balance?.available ?? balance?.credits ?? balance?.balance ?? user?.credits ?? 0;
  const held = balance?.held ?? balance?.escrow ?? balance?.onHold ?? 0;
  return { available: Number(available) || 0, held: Number(held) || 0, balance };
}
