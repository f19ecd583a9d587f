// Skill, language and rating filters; the values live in the URL (the page owns them).
import { useEffect, useState } from 'react';
import { LANGUAGES } from '../../utils/constants.js';
import { useDebounce } from '../../hooks/useDebounce.js';

export default function SkillFilter({ filters, onChange }) {
  const [skill, setSkill] = useState(filters.skill || '');
  const debounced = useDebounce(skill, 350);
  useEffect(() => { setSkill(filters.skill || ''); }, [filters.skill]);
  useEffect(() => { if (debounced !== (filters.skill || '')) onChange({ skill: debounced }); }, [debounced]); // eslint-disable-line
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
      <div>
        <label htmlFor="filter-skill" className="label">Skill</label>
        <input id="filter-skill" className="input" placeholder="e.g. guitar" value={skill} onChange={(e) => setSkill(e.target.value)} />
      </div>
      <div>
        <label htmlFor="filter-language" className="label">Language</label>
        <select id="filter-language" className="input" value={filters.language || ''} onChange={(e) => onChange({ language: e.target.value })}>
          <option value="">Any language</option>
          {LANGUAGES.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
      </div>
      <div>
        <label htmlFor="filter-rating" className="label">Minimum rating</label>
        <select id="filter-rating" className="input" value={filters.minRating || ''} onChange={(e) => onChange({ minRating: e.target.value })}>
          <option value="">Any rating</option>
          {['3', '3.5', '4', '4.5'].map((r) => <option key={r} value={r}>{r}+ stars</option>)}
        </select>
      </div>
    </div>
  );
}
