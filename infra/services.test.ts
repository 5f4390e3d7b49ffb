// The services script against this machine's live services: it readies them, a second
// run changes nothing, and each service then answers the way Herald talks to it.
// It never stops or uninstalls anything.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const script = join(dirname(fileURLToPath(import.meta.url)), 'services.sh');

function runScript(...args: string[]) {
  const run = spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 600_000 });
  const output = `${run.stdout}${run.stderr}`;
  const lines = run.stdout.trim().split('\n');
  return { status: run.status, output, summary: lines[lines.length - 1] ?? '' };
}

/** Sends `request` over TCP and resolves with the first bytes answered. */
function firstReply(port: number, request: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer on :${port}`)));
    socket.once('connect', () => socket.write(request));
    socket.once('data', (data) => { socket.destroy(); resolve(data); });
    socket.once('error', reject);
  });
}

function psql(database: string, sql: string) {
  return spawnSync('psql', ['-w', '-X', '-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-Atc', sql], { encoding: 'utf8' });
}

test('a first run readies every service', () => {
  const run = runScript();
  assert.is(run.status, 0, run.output);
  assert.match(run.summary, /^services ready: postgresql, redis, rabbitmq; /);
});

test('a second run changes nothing', () => {
  const run = runScript();
  assert.is(run.status, 0, run.output);
  assert.is(run.summary, 'services ready: postgresql, redis, rabbitmq; nothing changed');
  for (const service of ['postgresql', 'redis', 'rabbitmq']) assert.match(run.output, `${service}: answering`);
});

test('--check reports everything ready', () => {
  const run = runScript('--check');
  assert.is(run.status, 0, run.output);
  assert.is(run.summary, 'services ready: postgresql, redis, rabbitmq; nothing changed');
});

test('an unknown option is refused with its usage', () => {
  const run = runScript('--frobnicate');
  assert.is(run.status, 2);
  assert.match(run.output, 'usage: bash infra/services.sh [--check]');
});

test('PostgreSQL answers on both Herald databases as postgres@127.0.0.1', () => {
  for (const database of ['herald', 'herald_test']) {
    const result = psql(database, 'select current_database()');
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), database);
  }
});

test('Redis answers PING', async () => {
  const reply = await firstReply(6379, 'PING\r\n');
  assert.is(reply.toString('utf8'), '+PONG\r\n');
});

test('RabbitMQ answers AMQP 0-9-1 with Connection.Start', async () => {
  const reply = await firstReply(5672, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
  assert.is(reply[0], 1, 'a method frame');
  assert.is(reply.readUInt16BE(7), 10, 'class connection');
  assert.is(reply.readUInt16BE(9), 10, 'method start');
});

test('RabbitMQ management API offers the consistent-hash exchange and herald.posts', async () => {
  const auth = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };
  const overview = await fetch('http://127.0.0.1:15672/api/overview', { headers: auth });
  assert.is(overview.status, 200);
  const { exchange_types: types } = (await overview.json()) as { exchange_types: { name: string }[] };
  assert.ok(types.some((t) => t.name === 'x-consistent-hash'), 'x-consistent-hash exchange type available');
  const feed = await fetch('http://127.0.0.1:15672/api/exchanges/%2F/herald.posts', { headers: auth });
  assert.is(feed.status, 200);
  const exchange = (await feed.json()) as { type: string; durable: boolean };
  assert.equal({ type: exchange.type, durable: exchange.durable }, { type: 'fanout', durable: true });
});

test.run();
