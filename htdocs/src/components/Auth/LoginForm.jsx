import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { yupResolver } from '@hookform/resolvers/yup';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { loginSchema } from '../../utils/validation.js';
import { useAuth } from '../../context/AuthContext.jsx';
import AuthShell from './AuthShell.jsx';
import Field from './Field.jsx';

export default function LoginForm() {
  const { login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [failure, setFailure] = useState(null);
  const { register, handleSubmit, formState: { errors, isSubmitting } } = useForm({ resolver: yupResolver(loginSchema) });
  const onSubmit = async (v) => {
    setFailure(null);
    try {
      await login(v.login.trim(), v.password);
      navigate(location.state?.from || '/dashboard', { replace: true });
    } catch (e) {
      setFailure(e.status === 429 ? 'Too many attempts; try again later.' : e.message);
    }
  };
  return (
    <AuthShell title="Log in" footer={<>New here? <Link className="font-medium text-indigo-800 underline" to="/register">Create an account</Link></>}>
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4">
        {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900" data-testid="form-error">{failure}</p>}
        <Field id="login" label="Email or username" autoComplete="username" register={register('login')} error={errors.login} />
        <Field id="password" label="Password" type="password" autoComplete="current-password" register={register('password')} error={errors.password} />
        <button type="submit" className="btn-primary w-full" disabled={isSubmitting}>{isSubmitting ? 'Logging in…' : 'Log in'}</button>
        <p className="text-center text-sm"><Link className="text-indigo-800 underline" to="/forgot-password">Forgot your password?</Link></p>
      </form>
    </AuthShell>
  );
}
