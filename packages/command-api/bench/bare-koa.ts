// The baseline: a bare Koa route that parses a JSON body and answers a JSON string,
// with no auth, no store and no Redis. Spawned by command-api.ts; prints its port.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { koaBody } from 'koa-body';

const app = new Koa();
app.use(koaBody({ json: true, urlencoded: false, text: false, multipart: false, jsonLimit: 65_536 }));
app.use((ctx) => {
  ctx.type = 'application/json';
  ctx.body = JSON.stringify('0190b0a6-0000-7000-8000-000000000000');
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
