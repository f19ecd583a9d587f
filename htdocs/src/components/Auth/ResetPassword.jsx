import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { yupResolver } from '@hookform/resolvers/yup';
import { Link, useSearchParams } from 'react-router-dom';
import { resetSchema } from '../../utils/validation.js';
import { applyFieldErrors, auth } from '../../utils/api.js';
import AuthShell from './AuthShell.jsx';
import Field from './Field.jsx';

export default function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get('token') || '';
  const [done, setDone] = useState(false);
  const [failure, setFailure] = useState(token ? null : 'This link has no token; ask for a new one.');
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm({ resolver: yupResolver(resetSchema) });
  const onSubmit = async ({ password }) => {
    setFailure(null);
    try {
      await auth.reset(token, password);
      setDone(true);
    } catch (e) {
      if (!applyFieldErrors(e, setError, ['password'])) setFailure(e.message);
    }
  };
  return (
    <AuthShell title="Choose a new password" footer={<Link className="text-indigo-800 underline" to="/login">Back to log in</Link>}>
      {done ? (
        <p role="status" className="rounded-md bg-green-50 p-3 text-sm text-green-900" data-testid="reset-done">
          Your password is changed; every device was signed out. <Link className="underline" to="/login">Log in</Link> with the new one.
        </p>
      ) : (
        <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4">
          {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900" data-testid="form-error">{failure}</p>}
          <Field id="password" label="New password" type="password" autoComplete="new-password" register={register('password')} error={errors.password} />
          <Field id="confirm" label="Confirm password" type="password" autoComplete="new-password" register={register('confirm')} error={errors.confirm} />
          <button type="submit" className="btn-primary w-full" disabled={isSubmitting || !token}>Change password</button>
        </form>
      )}
    </AuthShell>
  );
}
