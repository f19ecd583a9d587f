// Book a session on the teacher's weekly availability. Slots are computed in the teacher's
// zone and shown in the viewer's; the request goes out as a session-request message (the
// teacher accepts it from the chat) — POST /api/messages/session-request.
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import Modal from '../Common/Modal.jsx';
import { messages, applyFieldErrors } from '../../utils/api.js';
import { useAuth } from '../../context/AuthContext.jsx';
import { DURATIONS } from '../../utils/constants.js';
import { formatInZone, upcomingSlots, viewerZone } from '../../utils/time.js';

export default function ScheduleSession({ teacher, onClose, onBooked }) {
  const { user } = useAuth();
  const tz = user?.timezone && user.timezone !== 'UTC' ? user.timezone : viewerZone();
  const slots = useMemo(() => upcomingSlots(teacher.availability, teacher.timezone, new Date(), 14), [teacher]);
  const [done, setDone] = useState(false);
  const [failure, setFailure] = useState(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm({
    defaultValues: { skill: teacher.skillsOffered?.[0]?.skill || '', duration: '60', slot: slots[0] ? String(slots[0].start.getTime()) : '', description: '' },
  });
  const onSubmit = async (v) => {
    setFailure(null);
    const when = new Date(Number(v.slot));
    try {
      await messages.sessionRequest({
        receiver: teacher._id,
        content: `Session request: ${v.skill}, ${v.duration} min, ${formatInZone(when, teacher.timezone, 'EEE d MMM HH:mm')} (${teacher.timezone})`,
        sessionData: { skill: v.skill, duration: Number(v.duration), proposedTime: when.toISOString(), ...(v.description ? { description: v.description } : {}) },
      });
      setDone(true);
    } catch (e) {
      if (!applyFieldErrors(e, setError, ['skill', 'duration', 'description'])) setFailure(e.status === 404 ? 'Booking is not available on this server yet.' : e.message);
    }
  };
  return (
    <Modal title={`Book ${teacher.fullName}`} onClose={onClose}>
      {done ? (
        <div role="status" data-testid="booking-sent">
          <p className="text-slate-800">Request sent. {teacher.firstName} will accept or decline it in your chat.</p>
          <button type="button" className="btn-primary mt-4" onClick={() => { onClose(); onBooked?.(); }}>Done</button>
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
              {DURATIONS.map((d) => <option key={d} value={d}>{d} minutes ({d / 60} credit{d === 60 ? '' : 's'})</option>)}
            </select>
          </div>
          <div>
            <label htmlFor="book-slot" className="label">Time <span className="font-normal text-slate-700">(shown in your zone, {tz})</span></label>
            {slots.length ? (
              <select id="book-slot" className="input" {...register('slot', { required: 'Choose a time' })} data-testid="slot-select">
                {slots.map((s) => (
                  <option key={s.start.getTime()} value={s.start.getTime()}>
                    {formatInZone(s.start, tz, 'EEE d MMM, HH:mm')}–{formatInZone(s.end, tz, 'HH:mm')}
                  </option>
                ))}
              </select>
            ) : <p className="text-sm text-slate-700" id="book-slot">{teacher.firstName} has no open hours in the next two weeks.</p>}
          </div>
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
