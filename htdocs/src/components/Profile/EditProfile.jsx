import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { yupResolver } from '@hookform/resolvers/yup';
import Field from '../Auth/Field.jsx';
import { profileSchema } from '../../utils/validation.js';
import { users, applyFieldErrors } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { viewerZone } from '../../utils/time.js';

function zones() {
  try { return Intl.supportedValuesOf('timeZone'); } catch { return ['UTC', viewerZone()]; }
}

export default function EditProfile() {
  const { user, setUser } = useAuth();
  const [saved, setSaved] = useState(false);
  const [failure, setFailure] = useState(null);
  const tzs = useMemo(() => { const z = zones(); return z.includes('UTC') ? z : ['UTC', ...z]; }, []);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm({
    resolver: yupResolver(profileSchema),
    defaultValues: {
      firstName: user.firstName, lastName: user.lastName, bio: user.bio || '', country: user.country || '',
      timezone: user.timezone || 'UTC', languages: (user.languages || []).join(', '),
    },
  });
  const onSubmit = async (v) => {
    setSaved(false); setFailure(null);
    const body = { ...v, languages: v.languages.split(',').map((s) => s.trim()).filter(Boolean) };
    try {
      const r = await users.update(body);
      setUser(r.data);
      setSaved(true);
    } catch (e) {
      if (!applyFieldErrors(e, setError, Object.keys(body))) setFailure(e.message);
    }
  };
  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4" aria-labelledby="edit-profile-title" data-testid="edit-profile">
      <h2 id="edit-profile-title" className="text-lg font-semibold">About you</h2>
      {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900">{failure}</p>}
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Field id="firstName" label="First name" register={register('firstName')} error={errors.firstName} />
        <Field id="lastName" label="Last name" register={register('lastName')} error={errors.lastName} />
      </div>
      <Field id="bio" label="Bio" as="textarea" register={register('bio')} error={errors.bio} hint="Up to 500 characters" />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        <Field id="country" label="Country" register={register('country')} error={errors.country} />
        <Field id="timezone" label="Time zone" as="select" register={register('timezone')} error={errors.timezone}>
          {tzs.map((z) => <option key={z} value={z}>{z}</option>)}
        </Field>
        <Field id="languages" label="Languages" register={register('languages')} error={errors.languages} hint="Comma separated" />
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className="btn-primary" disabled={isSubmitting}>Save profile</button>
        {saved && <span role="status" className="text-sm text-green-800" data-testid="profile-saved">Saved.</span>}
      </div>
    </form>
  );
}
