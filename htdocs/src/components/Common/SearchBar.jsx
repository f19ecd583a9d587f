import { useEffect, useState } from 'react';
import { useDebounce } from '../../hooks/useDebounce.js';

export default function SearchBar({ value, onSearch, placeholder = 'Search skills or people', label = 'Search' }) {
  const [text, setText] = useState(value || '');
  const debounced = useDebounce(text, 350);
  useEffect(() => { setText(value || ''); }, [value]);
  useEffect(() => { if (debounced !== (value || '')) onSearch(debounced); }, [debounced]); // eslint-disable-line
  return (
    <form role="search" onSubmit={(e) => { e.preventDefault(); onSearch(text); }} className="relative">
      <label htmlFor="search" className="sr-only">{label}</label>
      <input id="search" type="search" className="input pr-20" placeholder={placeholder} value={text}
        onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="btn-primary absolute right-1 top-1 px-3 py-1">Search</button>
    </form>
  );
}
