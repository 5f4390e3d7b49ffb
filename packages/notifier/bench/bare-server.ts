// The baseline: a bare `ws` server (no auth, no hub, no bounds, no broker). Its sockets
// name their user in the `token` query parameter. `POST /blast?posts=P&fanout=F&users=U`
// makes it send the frames of P posts, post i to every socket of users (i*F+k) mod U for
// k < F: the same frames to the same sockets as the notifier's fan-out benchmark, with
// plain ws sends. Run as a child process; prints `{"msg":"ready","port":N}`.
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { benchFrame } from './frames.js';

const socketsByUser = new Map<string, Set<WebSocket>>();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bare');
  if (url.pathname !== '/blast') return void res.writeHead(404).end();
  const [posts, fanout, users] = ['posts', 'fanout', 'users'].map((k) => Number(url.searchParams.get(k)));
  res.writeHead(202).end();
  blast(posts ?? 0, fanout ?? 0, users ?? 1);
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const user = new URL(req.url ?? '/', 'http://bare').searchParams.get('token') ?? 'anonymous';
  let sockets = socketsByUser.get(user);
  if (!sockets) {
    sockets = new Set();
    socketsByUser.set(user, sockets);
  }
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
});

/** Sends in slices, yielding between them, as a consumer taking messages from a socket would. */
function blast(posts: number, fanout: number, users: number, from = 0): void {
  const until = Math.min(posts, from + 50);
  for (let i = from; i < until; i += 1) {
    const frame = benchFrame(i);
    for (let k = 0; k < fanout; k += 1) {
      for (const ws of socketsByUser.get(`u${(i * fanout + k) % users}`) ?? []) ws.send(frame, { binary: false });
    }
  }
  if (until < posts) setImmediate(() => blast(posts, fanout, users, until));
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'ready', port: typeof address === 'object' && address ? address.port : 0 }));
});
