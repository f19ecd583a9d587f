export { useAuth } from '../context/AuthContext.jsx';
