export { default } from '../components/Dashboard/DashboardHome.jsx';
