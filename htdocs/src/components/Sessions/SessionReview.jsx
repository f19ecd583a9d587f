import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { yupResolver } from '@hookform/resolvers/yup';
import { reviewSchema } from '../../utils/validation.js';
import { sessions, applyFieldErrors } from '../../utils/api.js';

export default function SessionReview({ session, about, onDone }) {
  const [failure, setFailure] = useState(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm({
    resolver: yupResolver(reviewSchema), defaultValues: { rating: '', feedback: '', wouldRecommend: true },
  });
  const onSubmit = async (v) => {
    setFailure(null);
    try {
      const r = await sessions.review(session._id, { rating: Number(v.rating), feedback: v.feedback, wouldRecommend: !!v.wouldRecommend });
      onDone?.(r.data);
    } catch (e) {
      if (!applyFieldErrors(e, setError, ['rating', 'feedback', 'wouldRecommend'])) setFailure(e.message);
    }
  };
  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate className="card space-y-4" data-testid="review-form" aria-labelledby="review-title">
      <h2 id="review-title" className="font-semibold">How was it with {about?.firstName || 'them'}?</h2>
      {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900">{failure}</p>}
      <fieldset>
        <legend className="label">Rating</legend>
        <div className="flex gap-3">
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} className="flex items-center gap-1 text-sm"><input type="radio" value={n} {...register('rating')} />{n} ★</label>
          ))}
        </div>
        {errors.rating && <p className="field-error" role="alert">{errors.rating.message}</p>}
      </fieldset>
      <div>
        <label htmlFor="feedback" className="label">Feedback</label>
        <textarea id="feedback" rows={3} className="input" {...register('feedback')} />
        {errors.feedback && <p className="field-error" role="alert">{errors.feedback.message}</p>}
      </div>
      <label className="flex items-center gap-2 text-sm"><input type="checkbox" {...register('wouldRecommend')} /> I would recommend {about?.firstName || 'them'}</label>
      <button type="submit" className="btn-primary" disabled={isSubmitting}>Send review</button>
    </form>
  );
}
