export { useSocket, useSocketEvent } from '../context/SocketContext.jsx';
