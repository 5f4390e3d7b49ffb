// The baseline: a bare `ws` server (no auth, no hub, no bounds), optionally fed by a raw
// amqplib consumer that forwards each message body as is to the sockets of its user.
// Run as a child process; prints `{"msg":"ready","port":N}`.
import { connect } from 'amqplib';
import { WebSocket, WebSocketServer } from 'ws';

const exchange = process.env.FEED_EXCHANGE;
const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const socketsByUser = new Map<string, Set<WebSocket>>();
const channel = exchange ? await (await connect(rabbitUrl)).createChannel() : undefined;
let queue = '';
if (channel && exchange) {
  await channel.assertExchange(exchange, 'direct', { durable: true });
  queue = (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
  await channel.consume(queue, (message) => {
    if (!message) return;
    const sockets = socketsByUser.get(message.fields.routingKey.slice('user.'.length));
    if (sockets) for (const ws of sockets) ws.send(message.content, { binary: false });
  }, { noAck: true });
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const user = new URL(req.url ?? '/', 'http://bare').searchParams.get('token') ?? 'anonymous';
  let sockets = socketsByUser.get(user);
  if (!sockets) {
    sockets = new Set();
    socketsByUser.set(user, sockets);
    channel?.bindQueue(queue, exchange!, `user.${user}`).catch((error: unknown) => console.error(`bind failed: ${String(error)}`));
  }
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
});
wss.on('listening', () => {
  const address = wss.address();
  console.log(JSON.stringify({ msg: 'ready', port: typeof address === 'object' && address ? address.port : 0 }));
});
