// The spec's enums, mirrored from the server's validation rules.
export const CATEGORIES = ['Technology', 'Design', 'Business', 'Language', 'Music', 'Sports',
  'Cooking', 'Other'];
export const EXPERIENCE = ['Beginner', 'Intermediate', 'Expert'];
export const PRIORITY = ['Low', 'Medium', 'High'];
export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const LANGUAGES = ['English', 'Spanish', 'French', 'German', 'Portuguese', 'Italian',
  'Chinese', 'Japanese', 'Korean', 'Arabic', 'Hindi', 'Russian'];
// The server's session states (core/sb_session_rules.h) and bookable durations: 15 to 240
// minutes in steps of 15.
export const SESSION_STATUSES = ['pending', 'scheduled', 'in_progress', 'completed', 'cancelled',
  'declined', 'expired', 'no_show', 'abandoned'];
export const DURATIONS = Array.from({ length: 16 }, (_, i) => (i + 1) * 15);
export const LIMITS = { username: [3, 20], password: [8, 72], name: 50, bio: 500, skill: 50,
  description: 200, message: 1000, feedback: 500, skills: 20 };
