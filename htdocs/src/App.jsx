// Routes. Every screen is its own chunk, so the first load carries only the shell.
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider, useAuth } from './context/AuthContext.jsx';
import { SocketProvider } from './context/SocketContext.jsx';
import { NotificationProvider } from './context/NotificationContext.jsx';
import ProtectedRoute from './components/Auth/ProtectedRoute.jsx';
import Layout from './components/Common/Layout.jsx';
import ErrorBoundary from './components/Common/ErrorBoundary.jsx';
import LoadingSpinner from './components/Common/LoadingSpinner.jsx';

const HomePage = lazy(() => import('./pages/HomePage.jsx'));
const LoginForm = lazy(() => import('./components/Auth/LoginForm.jsx'));
const RegisterForm = lazy(() => import('./components/Auth/RegisterForm.jsx'));
const ForgotPassword = lazy(() => import('./components/Auth/ForgotPassword.jsx'));
const ResetPassword = lazy(() => import('./components/Auth/ResetPassword.jsx'));
const VerifyEmail = lazy(() => import('./components/Auth/VerifyEmail.jsx'));
const DashboardPage = lazy(() => import('./pages/DashboardPage.jsx'));
const DiscoverPage = lazy(() => import('./pages/DiscoverPage.jsx'));
const MessagesPage = lazy(() => import('./pages/MessagesPage.jsx'));
const SessionsPage = lazy(() => import('./pages/SessionsPage.jsx'));
const SessionRoomPage = lazy(() => import('./pages/SessionRoomPage.jsx'));
const ProfilePage = lazy(() => import('./pages/ProfilePage.jsx'));
const PublicProfilePage = lazy(() => import('./pages/PublicProfilePage.jsx'));
const CreditsPage = lazy(() => import('./pages/CreditsPage.jsx'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage.jsx'));

function GuestOnly({ children }) {
  const { user, ready } = useAuth();
  if (!ready) return <LoadingSpinner className="min-h-screen" />;
  return user ? <Navigate to="/dashboard" replace /> : children;
}

export default function App() {
  return (
    <ErrorBoundary>
      <AuthProvider>
        <SocketProvider>
          <NotificationProvider>
            <Suspense fallback={<LoadingSpinner className="min-h-screen" />}>
              <Routes>
                <Route path="/" element={<GuestOnly><HomePage /></GuestOnly>} />
                <Route path="/login" element={<GuestOnly><LoginForm /></GuestOnly>} />
                <Route path="/register" element={<GuestOnly><RegisterForm /></GuestOnly>} />
                <Route path="/forgot-password" element={<ForgotPassword />} />
                <Route path="/reset-password" element={<ResetPassword />} />
                <Route path="/verify-email" element={<VerifyEmail />} />
                <Route element={<ProtectedRoute />}>
                  <Route element={<Layout />}>
                    <Route path="/dashboard" element={<DashboardPage />} />
                    <Route path="/discover" element={<DiscoverPage />} />
                    <Route path="/messages" element={<MessagesPage />} />
                    <Route path="/messages/:userId" element={<MessagesPage />} />
                    <Route path="/sessions" element={<SessionsPage />} />
                    <Route path="/sessions/:id" element={<SessionRoomPage />} />
                    <Route path="/profile" element={<ProfilePage />} />
                    <Route path="/users/:id" element={<PublicProfilePage />} />
                    <Route path="/credits" element={<CreditsPage />} />
                  </Route>
                </Route>
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            </Suspense>
          </NotificationProvider>
        </SocketProvider>
      </AuthProvider>
    </ErrorBoundary>
  );
}
