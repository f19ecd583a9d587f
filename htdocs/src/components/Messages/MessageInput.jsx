import { useRef, useState } from 'react';
import { LIMITS } from '../../utils/constants.js';

export default function MessageInput({ onSend, onTyping, disabled }) {
  const [text, setText] = useState('');
  const [error, setError] = useState(null);
  const typing = useRef(null);
  const stop = () => { if (typing.current) { clearTimeout(typing.current); typing.current = null; onTyping?.(false); } };
  const change = (v) => {
    setText(v);
    if (!typing.current) onTyping?.(true);
    else clearTimeout(typing.current);
    typing.current = setTimeout(stop, 2000);
  };
  const submit = async (e) => {
    e.preventDefault();
    const v = text.trim();
    if (!v) return;
    if (v.length > LIMITS.message) { setError(`At most ${LIMITS.message} characters`); return; }
    stop();
    setError(null);
    try {
      await onSend(v);
      setText('');
    } catch (err) {
      setError(err.status === 429 ? 'You are sending too fast; wait a moment.' : err.message);
    }
  };
  return (
    <form onSubmit={submit} className="border-t border-slate-200 bg-white p-3">
      {error && <p className="field-error mb-2" role="alert">{error}</p>}
      <div className="flex gap-2">
        <label htmlFor="message-input" className="sr-only">Message</label>
        <textarea id="message-input" rows={1} className="input resize-none" placeholder="Write a message" value={text} disabled={disabled}
          onChange={(e) => change(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) submit(e); }} />
        <button type="submit" className="btn-primary" disabled={disabled || !text.trim()}>Send</button>
      </div>
    </form>
  );
}
