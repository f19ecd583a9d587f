// Avatar: pick an image, preview it on a canvas (no blob: URLs, so a strict CSP holds), crop a
// square with zoom and position, upload the 256×256 result with a progress bar.
import { useEffect, useRef, useState } from 'react';
import { users } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import Avatar from '../Common/Avatar.jsx';

const OUT = 256;

export function cropRect(w, h, zoom, px, py) {
  const side = Math.min(w, h) / zoom;
  const x = (w - side) * px;
  const y = (h - side) * py;
  return { x, y, side };
}

export default function AvatarUpload() {
  const { user, setUser } = useAuth();
  const [bitmap, setBitmap] = useState(null);
  const [zoom, setZoom] = useState(1);
  const [pos, setPos] = useState({ x: 0.5, y: 0.5 });
  const [progress, setProgress] = useState(null);
  const [message, setMessage] = useState(null);
  const canvas = useRef(null);

  useEffect(() => {
    if (!bitmap || !canvas.current) return;
    const ctx = canvas.current.getContext('2d');
    const { x, y, side } = cropRect(bitmap.width, bitmap.height, zoom, pos.x, pos.y);
    ctx.clearRect(0, 0, OUT, OUT);
    ctx.drawImage(bitmap, x, y, side, side, 0, 0, OUT, OUT);
  }, [bitmap, zoom, pos]);

  const pick = async (e) => {
    setMessage(null);
    const f = e.target.files?.[0];
    if (!f) return;
    if (!/^image\/(png|jpeg|webp)$/.test(f.type)) { setMessage('Choose a PNG, JPEG or WebP image.'); return; }
    try {
      setBitmap(await createImageBitmap(f));
      setZoom(1); setPos({ x: 0.5, y: 0.5 });
    } catch {
      setMessage('That image cannot be read.');
    }
  };

  const upload = () => new Promise((resolve) => {
    canvas.current.toBlob(async (blob) => {
      setProgress(0);
      try {
        const file = new File([blob], 'avatar.png', { type: 'image/png' });
        const r = await users.uploadAvatar(file, setProgress);
        setProgress(1);
        setUser({ ...user, ...(r.data?.user || r.data || {}), profilePicture: r.data?.profilePicture || r.data?.user?.profilePicture || r.data?.url || user.profilePicture });
        setMessage('Picture updated.');
        setBitmap(null);
      } catch (err) {
        setMessage(err.message);
      } finally {
        setTimeout(() => setProgress(null), 600);
        resolve();
      }
    }, 'image/png');
  });

  return (
    <section className="card" aria-labelledby="avatar-title" data-testid="avatar-upload">
      <h3 id="avatar-title" className="font-semibold">Profile picture</h3>
      <div className="mt-3 flex flex-col gap-4 sm:flex-row sm:items-start">
        <Avatar user={user} size={24} />
        <div className="flex-1 space-y-3">
          <div>
            <label htmlFor="avatar-file" className="label">Choose an image</label>
            <input id="avatar-file" type="file" accept="image/png,image/jpeg,image/webp" onChange={pick} className="block text-sm" />
          </div>
          {bitmap && (
            <div className="space-y-2">
              <canvas ref={canvas} width={OUT} height={OUT} className="h-40 w-40 rounded-full border border-slate-300" aria-label="Preview of the cropped picture" role="img" data-testid="avatar-preview" />
              <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
                <label className="text-sm">Zoom<input type="range" min="1" max="4" step="0.05" value={zoom} onChange={(e) => setZoom(Number(e.target.value))} className="block w-full" /></label>
                <label className="text-sm">Left–right<input type="range" min="0" max="1" step="0.01" value={pos.x} onChange={(e) => setPos((p) => ({ ...p, x: Number(e.target.value) }))} className="block w-full" /></label>
                <label className="text-sm">Up–down<input type="range" min="0" max="1" step="0.01" value={pos.y} onChange={(e) => setPos((p) => ({ ...p, y: Number(e.target.value) }))} className="block w-full" /></label>
              </div>
              <button type="button" className="btn-primary" onClick={upload} disabled={progress !== null}>Upload picture</button>
            </div>
          )}
          {progress !== null && (
            <div>
              <label htmlFor="avatar-progress" className="text-sm">Uploading {Math.round(progress * 100)}%</label>
              <progress id="avatar-progress" max="1" value={progress} className="block w-full" data-testid="avatar-progress" />
            </div>
          )}
          {message && <p role="status" className="text-sm text-slate-800" data-testid="avatar-message">{message}</p>}
        </div>
      </div>
    </section>
  );
}
