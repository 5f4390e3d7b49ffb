import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, callOk } from './http.js';

let server: Server;
let baseUrl = '';

/** Echoes what it got as JSON; /text answers plain text, /empty nothing, /refuse a 409. */
async function answer(request: IncomingMessage): Promise<{ status: number; type?: string; body: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const got = { method: request.method, authorization: request.headers.authorization ?? null, contentType: request.headers['content-type'] ?? null, extra: request.headers['x-extra'] ?? null, body: Buffer.concat(chunks).toString() };
  if (request.url === '/text') return { status: 200, type: 'text/plain', body: 'plain words' };
  if (request.url === '/empty') return { status: 204, body: '' };
  if (request.url === '/refuse') return { status: 409, type: 'application/json', body: JSON.stringify({ message: 'already there' }) };
  return { status: 200, type: 'application/json', body: JSON.stringify(got) };
}

test.before(async () => {
  server = createServer((request, response) => {
    void answer(request).then(({ status, type, body }) => {
      response.writeHead(status, type ? { 'content-type': type } : {});
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test('a JSON body goes out as JSON with the token, and the JSON answer comes back parsed', async () => {
  const answered = await call(baseUrl, 'POST', '/echo', { json: { text: 'hi' }, token: 't0k', headers: { 'x-extra': 'yes' } });
  assert.is(answered.status, 200);
  assert.equal(answered.body, { method: 'POST', authorization: 'Bearer t0k', contentType: 'application/json', extra: 'yes', body: '{"text":"hi"}' });
  assert.is(answered.headers.get('content-type'), 'application/json');
});

test('a raw body goes out as it is, with its content type', async () => {
  const answered = await call(baseUrl, 'PUT', '/echo', { raw: 'not json', contentType: 'text/plain' });
  assert.equal(answered.body, { method: 'PUT', authorization: null, contentType: 'text/plain', extra: null, body: 'not json' });
});

test('an answer that is not JSON is kept as text; an empty one is undefined', async () => {
  assert.is((await call(baseUrl, 'GET', '/text')).body, 'plain words');
  const empty = await call(baseUrl, 'GET', '/empty');
  assert.is(empty.status, 204);
  assert.is(empty.body, undefined);
});

test('call answers any status; callOk throws on one that is not 2xx, naming it and the body', async () => {
  assert.is((await call(baseUrl, 'POST', '/refuse')).status, 409);
  const failure = await callOk(baseUrl, 'POST', '/refuse').catch((e: unknown) => e);
  assert.instance(failure, Error);
  assert.is((failure as Error).message, 'POST /refuse answered 409: {"message":"already there"}');
  assert.is((await callOk(baseUrl, 'GET', '/text')).body, 'plain words');
});

test.run();
