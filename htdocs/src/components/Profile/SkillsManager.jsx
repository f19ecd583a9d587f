// Skills offered and wanted: add, edit, remove, then save the whole list (PUT replaces it).
import { useState } from 'react';
import { users } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { CATEGORIES, EXPERIENCE, LIMITS, PRIORITY } from '../../utils/constants.js';

const blank = (kind) => (kind === 'offered'
  ? { skill: '', category: 'Technology', experience: 'Intermediate', description: '' }
  : { skill: '', category: 'Technology', level: 'Beginner', priority: 'Medium' });

function strip(kind, list) {
  return list.map((s) => (kind === 'offered'
    ? { skill: s.skill.trim(), category: s.category, experience: s.experience, ...(s.description ? { description: s.description } : {}) }
    : { skill: s.skill.trim(), category: s.category, level: s.level, priority: s.priority }));
}

function SkillList({ kind, title }) {
  const { user, setUser } = useAuth();
  const key = kind === 'offered' ? 'skillsOffered' : 'skillsWanted';
  const [list, setList] = useState(() => (user[key] || []).map((s) => ({ ...blank(kind), ...s })));
  const [errors, setErrors] = useState({});
  const [status, setStatus] = useState(null);
  const set = (i, patch) => setList((l) => l.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const save = async () => {
    setStatus(null);
    const local = {};
    list.forEach((s, i) => {
      if (!s.skill.trim()) local[`skills.${i}.skill`] = 'Name the skill';
      else if (s.skill.trim().length > LIMITS.skill) local[`skills.${i}.skill`] = `At most ${LIMITS.skill} characters`;
      if ((s.description || '').length > LIMITS.description) local[`skills.${i}.description`] = `At most ${LIMITS.description} characters`;
      if (list.findIndex((o) => o.skill.trim().toLowerCase() === s.skill.trim().toLowerCase()) !== i) local[`skills.${i}.skill`] = 'Listed twice';
    });
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      const r = await (kind === 'offered' ? users.offered(strip(kind, list)) : users.wanted(strip(kind, list)));
      setUser(r.data);
      setStatus('Saved.');
    } catch (e) {
      const m = {};
      for (const fe of e.errors || []) m[fe.field] = fe.message;
      setErrors(m);
      setStatus(Object.keys(m).length ? null : e.message);
    }
  };
  const err = (i, f) => errors[`skills.${i}.${f}`];
  return (
    <section aria-labelledby={`${kind}-title`} className="card" data-testid={`skills-${kind}`}>
      <h3 id={`${kind}-title`} className="font-semibold">{title}</h3>
      <ul className="mt-3 space-y-3">
        {list.map((s, i) => (
          <li key={i} className="grid grid-cols-1 gap-2 rounded-md border border-slate-200 p-3 sm:grid-cols-4">
            <div className="sm:col-span-2">
              <label className="label" htmlFor={`${kind}-${i}-skill`}>Skill</label>
              <input id={`${kind}-${i}-skill`} className="input" value={s.skill} maxLength={80} onChange={(e) => set(i, { skill: e.target.value })}
                aria-invalid={err(i, 'skill') ? 'true' : 'false'} />
              {err(i, 'skill') && <p className="field-error" role="alert">{err(i, 'skill')}</p>}
            </div>
            <div>
              <label className="label" htmlFor={`${kind}-${i}-category`}>Category</label>
              <select id={`${kind}-${i}-category`} className="input" value={s.category} onChange={(e) => set(i, { category: e.target.value })}>
                {CATEGORIES.map((c) => <option key={c}>{c}</option>)}
              </select>
            </div>
            <div>
              <label className="label" htmlFor={`${kind}-${i}-level`}>{kind === 'offered' ? 'Experience' : 'Level'}</label>
              <select id={`${kind}-${i}-level`} className="input" value={kind === 'offered' ? s.experience : s.level}
                onChange={(e) => set(i, kind === 'offered' ? { experience: e.target.value } : { level: e.target.value })}>
                {EXPERIENCE.map((c) => <option key={c}>{c}</option>)}
              </select>
            </div>
            {kind === 'offered' ? (
              <div className="sm:col-span-3">
                <label className="label" htmlFor={`${kind}-${i}-description`}>Description</label>
                <input id={`${kind}-${i}-description`} className="input" value={s.description || ''} onChange={(e) => set(i, { description: e.target.value })} />
                {err(i, 'description') && <p className="field-error" role="alert">{err(i, 'description')}</p>}
              </div>
            ) : (
              <div className="sm:col-span-3">
                <label className="label" htmlFor={`${kind}-${i}-priority`}>Priority</label>
                <select id={`${kind}-${i}-priority`} className="input" value={s.priority} onChange={(e) => set(i, { priority: e.target.value })}>
                  {PRIORITY.map((c) => <option key={c}>{c}</option>)}
                </select>
              </div>
            )}
            <div className="flex items-end">
              <button type="button" className="btn-secondary w-full" onClick={() => setList((l) => l.filter((_, j) => j !== i))}
                aria-label={`Remove ${s.skill || 'this skill'}`}>Remove</button>
            </div>
          </li>
        ))}
      </ul>
      {!list.length && <p className="mt-2 text-sm text-slate-700">None yet.</p>}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <button type="button" className="btn-secondary" disabled={list.length >= LIMITS.skills} onClick={() => setList((l) => [...l, blank(kind)])}>
          Add a skill
        </button>
        <button type="button" className="btn-primary" onClick={save}>Save {kind === 'offered' ? 'skills offered' : 'skills wanted'}</button>
        {status && <span role="status" className="text-sm text-slate-800" data-testid={`skills-${kind}-status`}>{status}</span>}
        {errors.skills && <span role="alert" className="field-error">{errors.skills}</span>}
      </div>
    </section>
  );
}

export default function SkillsManager() {
  return (
    <div className="space-y-4">
      <SkillList kind="offered" title="Skills you offer" />
      <SkillList kind="wanted" title="Skills you want to learn" />
    </div>
  );
}
