// Book a session on the teacher's weekly availability: POST /api/messages/session-request
// {teacher, skill, scheduledTime, duration, description?}, which holds the credits, creates
// the pending session and posts the request into the conversation (the teacher accepts it
// there or in Sessions). The slots are the teacher's wall-clock hours in the teacher's zone,
// turned into instants per date and shown in the viewer's zone; a start is offered only when
// the whole session fits inside one slot, as the server requires.
import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import Modal from '../Common/Modal.jsx';
import { messages, applyFieldErrors } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { DURATIONS } from '../../utils/constants.js';
import { bookableSlots, formatCredits, formatInZone, viewerZone } from '../../utils/time.js';

const FIELDS = ['skill', 'duration', 'description'];

export function durationLabel(d) {
  const c = d / 60;
  return `${d} minutes (${formatCredits(c)} credit${c === 1 ? '' : 's'})`;
}

export default function ScheduleSession({ teacher, onClose, onBooked }) {
  const { user, refreshUser } = useAuth();
  const tz = user?.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();
  const [done, setDone] = useState(null);
  const [failure, setFailure] = useState(null);
  const { register, handleSubmit, setError, setValue, watch, formState: { errors, isSubmitting } } = useForm({
    defaultValues: { skill: teacher.skillsOffered?.[0]?.skill || '', duration: '60', slot: '', start: '', description: '' },
  });
  const duration = Number(watch('duration')) || 60;
  const slots = useMemo(() => bookableSlots(teacher.availability, teacher.timezone, duration, new Date(), 14),
    [teacher, duration]);
  const slotKey = watch('slot');
  const slot = slots.find((s) => String(s.start.getTime()) === slotKey) || slots[0];
  // keep the chosen window and start valid when the duration (and so the offer) changes
  useEffect(() => {
    if (!slot) return;
    if (String(slot.start.getTime()) !== slotKey) setValue('slot', String(slot.start.getTime()));
  }, [slot, slotKey, setValue]);
  const startKey = watch('start');
  useEffect(() => {
    if (slot && !slot.starts.some((t) => String(t.getTime()) === startKey)) setValue('start', String(slot.starts[0].getTime()));
  }, [slot, startKey, setValue]);

  const onSubmit = async (v) => {
    setFailure(null);
    const when = new Date(Number(v.start));
    try {
      const r = await messages.sessionRequest({
        teacher: teacher._id,
        skill: v.skill,
        scheduledTime: when.toISOString(),
        duration: Number(v.duration),
        ...(v.description.trim() ? { description: v.description.trim() } : {}),
      });
      setDone(r.data?.session || {});
      refreshUser?.().catch(() => {});   // the header's available and held credits
    } catch (e) {
      // field errors on their fields (scheduledTime is the start select); the message too
      // unless it is only "Validation error" (409 not available / not enough credits, 403 ...)
      const known = applyFieldErrors(e, setError, FIELDS);
      const when = (e.errors || []).find((x) => x.field === 'scheduledTime');
      if (when) setError('start', { type: 'server', message: when.message });
      if (e.status !== 400 || (!known && !when)) setFailure(e.message);
    }
  };
  return (
    <Modal title={`Book ${teacher.fullName}`} onClose={onClose}>
      {done ? (
        <div role="status" data-testid="booking-sent">
          <p className="text-slate-800">
            Request sent: {done.skill} on {formatInZone(done.scheduledTime, tz, 'EEE d MMM, HH:mm')} ({tz}),
            {' '}{formatCredits(done.creditsHeld)} credit{Number(done.creditsHeld) === 1 ? '' : 's'} held until it is settled.
            {' '}{teacher.firstName} will accept or decline it in your chat.
          </p>
          <button type="button" className="btn-primary mt-4" onClick={() => { onClose(); onBooked?.(done); }}>Done</button>
        </div>
      ) : (
        <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4" data-testid="schedule-form">
          {failure && <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900" data-testid="form-error">{failure}</p>}
          <div>
            <label htmlFor="book-skill" className="label">Skill</label>
            <select id="book-skill" className="input" {...register('skill', { required: 'Choose a skill' })}>
              {(teacher.skillsOffered || []).map((s) => <option key={s.skill} value={s.skill}>{s.skill}</option>)}
            </select>
            {errors.skill && <p className="field-error" role="alert">{errors.skill.message}</p>}
          </div>
          <div>
            <label htmlFor="book-duration" className="label">Duration</label>
            <select id="book-duration" className="input" {...register('duration')}>
              {DURATIONS.map((d) => <option key={d} value={d}>{durationLabel(d)}</option>)}
            </select>
            {errors.duration && <p className="field-error" role="alert">{errors.duration.message}</p>}
          </div>
          <div>
            <label htmlFor="book-slot" className="label">Open hours <span className="font-normal text-slate-700">(shown in your zone, {tz})</span></label>
            {slots.length ? (
              <select id="book-slot" className="input" {...register('slot')} data-testid="slot-select">
                {slots.map((s) => (
                  <option key={s.start.getTime()} value={s.start.getTime()}>
                    {formatInZone(s.start, tz, 'EEE d MMM, HH:mm')}–{formatInZone(s.end, tz, 'HH:mm')}
                  </option>
                ))}
              </select>
            ) : <p className="text-sm text-slate-700" id="book-slot">{teacher.firstName} has no open hours for {duration} minutes in the next two weeks.</p>}
          </div>
          {slot && (
            <div>
              <label htmlFor="book-start" className="label">Start</label>
              <select id="book-start" className="input" {...register('start', { required: 'Choose a start' })} data-testid="start-select"
                aria-describedby="book-start-hint">
                {slot.starts.map((t) => <option key={t.getTime()} value={t.getTime()}>{formatInZone(t, tz, 'HH:mm')}</option>)}
              </select>
              <p id="book-start-hint" className="mt-1 text-xs text-slate-700">
                {formatInZone(slot.start, teacher.timezone || 'UTC', 'EEE HH:mm')}–{formatInZone(slot.end, teacher.timezone || 'UTC', 'HH:mm')} for {teacher.firstName} ({teacher.timezone || 'UTC'})
              </p>
              {errors.start && <p className="field-error" role="alert">{errors.start.message}</p>}
            </div>
          )}
          <div>
            <label htmlFor="book-description" className="label">What would you like to cover?</label>
            <textarea id="book-description" rows={3} className="input" {...register('description', { maxLength: { value: 500, message: 'At most 500 characters' } })} />
            {errors.description && <p className="field-error" role="alert">{errors.description.message}</p>}
          </div>
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={onClose}>Cancel</button>
            <button type="submit" className="btn-primary" disabled={isSubmitting || !slots.length}>Send request</button>
          </div>
        </form>
      )}
    </Modal>
  );
}
