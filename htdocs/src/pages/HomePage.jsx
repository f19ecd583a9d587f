import { Link } from 'react-router-dom';

export default function HomePage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col justify-center px-6 py-16">
      <h1 className="text-4xl font-bold text-slate-900">Skill Barter</h1>
      <p className="mt-4 text-lg text-slate-800">Teach an hour, earn a credit. Learn an hour, spend one.</p>
      <ul className="mt-6 space-y-2 text-slate-800">
        <li>• Find people who offer what you want to learn, and want what you can teach.</li>
        <li>• Chat, book a time in your own time zone, meet by video.</li>
        <li>• Every new account starts with 5 credits.</li>
      </ul>
      <div className="mt-8 flex gap-3">
        <Link to="/register" className="btn-primary">Create an account</Link>
        <Link to="/login" className="btn-secondary">Log in</Link>
      </div>
    </main>
  );
}
