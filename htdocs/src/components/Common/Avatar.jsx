export default function Avatar({ user, size = 10, online }) {
  const src = user?.profilePicture || '/default-avatar.svg';
  const px = { 8: 'h-8 w-8', 10: 'h-10 w-10', 12: 'h-12 w-12', 16: 'h-16 w-16', 24: 'h-24 w-24' }[size] || 'h-10 w-10';
  return (
    <span className="relative inline-block shrink-0">
      <img src={src} alt="" className={`${px} rounded-full object-cover bg-slate-200`} />
      {online !== undefined && (
        <span className={`absolute bottom-0 right-0 h-3 w-3 rounded-full ring-2 ring-white ${online ? 'bg-green-600' : 'bg-slate-400'}`}
          aria-hidden="true" />
      )}
    </span>
  );
}
