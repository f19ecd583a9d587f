// A labelled input wired to react-hook-form, with its error announced and linked.
export default function Field({ id, label, type = 'text', register, error, hint, autoComplete, as = 'input', children, ...rest }) {
  const describedBy = [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(' ') || undefined;
  const common = { id, className: 'input', 'aria-invalid': error ? 'true' : 'false', 'aria-describedby': describedBy, ...register, ...rest };
  return (
    <div>
      <label htmlFor={id} className="label">{label}</label>
      {as === 'textarea' && <textarea rows={4} {...common} />}
      {as === 'select' && <select {...common}>{children}</select>}
      {as === 'input' && <input type={type} autoComplete={autoComplete} {...common} />}
      {hint && <p id={`${id}-hint`} className="mt-1 text-xs text-slate-700">{hint}</p>}
      {error && <p id={`${id}-error`} className="field-error" role="alert" data-testid={`error-${id}`}>{error.message}</p>}
    </div>
  );
}
