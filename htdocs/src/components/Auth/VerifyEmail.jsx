import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { auth } from '../../utils/api.js';
import AuthShell from './AuthShell.jsx';

export default function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get('token') || '';
  const [state, setState] = useState(token ? 'working' : 'error');
  const [message, setMessage] = useState(token ? '' : 'This link has no token.');
  const once = useRef(false);
  useEffect(() => {
    if (!token || once.current) return;
    once.current = true;
    auth.verify(token).then(() => setState('done'), (e) => { setState('error'); setMessage(e.message); });
  }, [token]);
  return (
    <AuthShell title="Confirm your email" footer={<Link className="text-indigo-800 underline" to="/dashboard">Go to your dashboard</Link>}>
      {state === 'working' && <p role="status">Confirming…</p>}
      {state === 'done' && <p role="status" className="rounded-md bg-green-50 p-3 text-sm text-green-900" data-testid="verify-done">Your email address is confirmed. Thank you!</p>}
      {state === 'error' && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900" data-testid="verify-error">{message}</p>}
    </AuthShell>
  );
}
