import { CATEGORIES } from '../../utils/constants.js';

export default function CategoryFilter({ value, onChange, counts }) {
  const count = (name) => counts?.find((c) => c.name === name)?.count;
  return (
    <div role="group" aria-label="Categories" className="flex flex-wrap gap-2">
      {['', ...CATEGORIES].map((c) => {
        const active = (value || '') === c;
        const n = c ? count(c) : undefined;
        return (
          <button type="button" key={c || 'all'} aria-pressed={active} onClick={() => onChange(c)}
            className={`rounded-full border px-3 py-1 text-sm ${active ? 'border-indigo-700 bg-indigo-700 text-white' : 'border-slate-300 bg-white text-slate-800 hover:bg-slate-50'}`}>
            {c || 'All'}{n !== undefined ? ` (${n})` : ''}
          </button>
        );
      })}
    </div>
  );
}
