import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { yupResolver } from '@hookform/resolvers/yup';
import { Link, useNavigate } from 'react-router-dom';
import { registerSchema } from '../../utils/validation.js';
import { applyFieldErrors } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import AuthShell from './AuthShell.jsx';
import Field from './Field.jsx';

const FIELDS = ['username', 'email', 'firstName', 'lastName', 'password'];

export default function RegisterForm() {
  const { register: signUp } = useAuth();
  const navigate = useNavigate();
  const [failure, setFailure] = useState(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm({
    resolver: yupResolver(registerSchema), mode: 'onTouched',
  });
  const onSubmit = async ({ confirm, ...v }) => {
    setFailure(null);
    try {
      await signUp({ ...v, username: v.username.trim(), email: v.email.trim(), firstName: v.firstName.trim(), lastName: v.lastName.trim() });
      navigate('/profile?welcome=1', { replace: true });
    } catch (e) {
      if (!applyFieldErrors(e, setError, FIELDS)) setFailure(e.message);
    }
  };
  return (
    <AuthShell title="Create your account" footer={<>Already have an account? <Link className="font-medium text-indigo-800 underline" to="/login">Log in</Link></>}>
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4">
        {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900" data-testid="form-error">{failure}</p>}
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <Field id="firstName" label="First name" autoComplete="given-name" register={register('firstName')} error={errors.firstName} />
          <Field id="lastName" label="Last name" autoComplete="family-name" register={register('lastName')} error={errors.lastName} />
        </div>
        <Field id="username" label="Username" autoComplete="username" hint="3-20 letters, digits or underscores" register={register('username')} error={errors.username} />
        <Field id="email" label="Email" type="email" autoComplete="email" register={register('email')} error={errors.email} />
        <Field id="password" label="Password" type="password" autoComplete="new-password" hint="At least 8 characters" register={register('password')} error={errors.password} />
        <Field id="confirm" label="Confirm password" type="password" autoComplete="new-password" register={register('confirm')} error={errors.confirm} />
        <button type="submit" className="btn-primary w-full" disabled={isSubmitting}>{isSubmitting ? 'Creating…' : 'Create account'}</button>
        <p className="text-xs text-slate-700">You start with 5 credits: one credit is one hour of teaching.</p>
      </form>
    </AuthShell>
  );
}
