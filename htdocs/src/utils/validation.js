// Form rules mirroring the server's (core/sb_validate.c): the server stays the authority and
// its field errors are shown on the same fields.
import * as yup from 'yup';
import { LIMITS } from './constants.js';

const password = yup.string().required('Password is required')
  .min(LIMITS.password[0], `Password must be at least ${LIMITS.password[0]} characters`)
  .test('bytes', `Password must be at most ${LIMITS.password[1]} bytes`,
    (v) => !v || new TextEncoder().encode(v).length <= LIMITS.password[1]);

export const registerSchema = yup.object({
  username: yup.string().trim().required('Username is required')
    .min(LIMITS.username[0], 'Username must be 3-20 characters')
    .max(LIMITS.username[1], 'Username must be 3-20 characters')
    .matches(/^[a-zA-Z0-9_]+$/, 'Only letters, digits and underscores'),
  email: yup.string().trim().required('Email is required')
    .matches(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter a valid email address'),
  firstName: yup.string().trim().required('First name is required')
    .max(LIMITS.name, `At most ${LIMITS.name} characters`),
  lastName: yup.string().trim().required('Last name is required')
    .max(LIMITS.name, `At most ${LIMITS.name} characters`),
  password,
  confirm: yup.string().oneOf([yup.ref('password')], 'Passwords do not match'),
});

export const loginSchema = yup.object({
  login: yup.string().trim().required('Email or username is required'),
  password: yup.string().required('Password is required'),
});

export const emailSchema = yup.object({
  email: yup.string().trim().required('Email is required')
    .matches(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter a valid email address'),
});

export const resetSchema = yup.object({
  password,
  confirm: yup.string().oneOf([yup.ref('password')], 'Passwords do not match'),
});

export const profileSchema = yup.object({
  firstName: yup.string().trim().required('First name is required').max(LIMITS.name),
  lastName: yup.string().trim().required('Last name is required').max(LIMITS.name),
  bio: yup.string().max(LIMITS.bio, `At most ${LIMITS.bio} characters`),
  country: yup.string().max(60),
  timezone: yup.string().required('Time zone is required'),
  languages: yup.string(),
});

export const reviewSchema = yup.object({
  rating: yup.number().typeError('Choose a rating').required('Choose a rating').min(1).max(5),
  feedback: yup.string().max(LIMITS.feedback, `At most ${LIMITS.feedback} characters`),
  wouldRecommend: yup.boolean(),
});
