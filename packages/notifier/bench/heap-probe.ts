// Retained heap per idle connection, after full garbage collections: run as
// `node --expose-gc --import tsx heap-probe.ts <notifier|bare> <connections>`; prints one
// JSON line. RSS growth also counts garbage from the connection burst that V8 has not
// returned yet; this figure counts only what each connection keeps alive.
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import { uniqueName } from '@herald/kit/testing';
import { startNotifier } from '../src/server.js';
import { startTestAuthServer } from '../src/testing/auth-server.js';
import { notifierConfig, testLogger } from '../src/testing/notifiers.js';
import { startFleets } from './fleets.js';

const [kind = 'notifier', count = '1000'] = process.argv.slice(2);
const connections = Number(count);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc');

async function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (kind === 'bare') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    const address = wss.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `ws://127.0.0.1:${port}`, stop: () => new Promise((resolve) => wss.close(() => resolve())) };
  }
  const auth = await startTestAuthServer(new Map(Array.from({ length: connections }, (_, i) => [`t${i}`, `u${i}`])));
  const notifier = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: auth.address, FEED_EXCHANGE: uniqueName('herald.feed.bench') }), { logger: testLogger });
  return { url: `ws://127.0.0.1:${notifier.port}`, stop: async () => { await notifier.stop(); await auth.stop(); } };
}

const server = await startServer();
const fleets = startFleets(connections);
await sleep(1_000);
collect();
collect();
const before = process.memoryUsage();
const opened = await fleets.open(`${server.url}/post/feed/posted`, Array.from({ length: connections }, (_, i) => `t${i}`));
await sleep(3_000);
collect();
collect();
const after = process.memoryUsage();
console.log(JSON.stringify({ kind, open: opened.open, heapBytesPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / opened.open }));
await fleets.close();
await server.stop();
