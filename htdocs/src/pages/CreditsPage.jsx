export { default } from '../components/Credits/CreditDashboard.jsx';
