import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { yupResolver } from '@hookform/resolvers/yup';
import { Link } from 'react-router-dom';
import { emailSchema } from '../../utils/validation.js';
import { applyFieldErrors, auth } from '../../utils/api.js';
import AuthShell from './AuthShell.jsx';
import Field from './Field.jsx';

export default function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const [failure, setFailure] = useState(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm({ resolver: yupResolver(emailSchema) });
  const onSubmit = async ({ email }) => {
    setFailure(null);
    try {
      await auth.forgot(email.trim());
      setSent(true);
    } catch (e) {
      if (!applyFieldErrors(e, setError, ['email'])) setFailure(e.message);
    }
  };
  return (
    <AuthShell title="Forgot your password?" footer={<Link className="text-indigo-800 underline" to="/login">Back to log in</Link>}>
      {sent ? (
        <p role="status" className="rounded-md bg-green-50 p-3 text-sm text-green-900" data-testid="forgot-sent">
          If an account uses that address, a link to choose a new password is on its way.
        </p>
      ) : (
        <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4">
          {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900">{failure}</p>}
          <Field id="email" label="Email" type="email" autoComplete="email" register={register('email')} error={errors.email} />
          <button type="submit" className="btn-primary w-full" disabled={isSubmitting}>Send the link</button>
        </form>
      )}
    </AuthShell>
  );
}
