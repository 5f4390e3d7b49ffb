import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brokerShards, rabbitmqSettings, shardChecks } from './brokers.js';
import { createOps } from './ops.js';
import { ConfigError, loadConfig } from './config.js';

const a = 'amqp://guest:guest@127.0.0.1:5681';
const b = 'amqp://guest:guest@127.0.0.1:5682';
const c = 'amqps://herald:secret@rabbit-c.example:5671/herald?heartbeat=10';

const shardsOf = (env: Record<string, string>) => brokerShards(loadConfig(rabbitmqSettings, env));

function errorOf(env: Record<string, string>): string {
  try {
    shardsOf(env);
  } catch (error) {
    assert.instance(error, ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('unset, the one broker of RABBITMQ_URL is the one shard (today\'s setup)', () => {
  assert.equal(shardsOf({}), [{ name: 'shard-1', urls: ['amqp://guest:guest@127.0.0.1:5672'] }]);
  assert.equal(shardsOf({ RABBITMQ_URL: a }), [{ name: 'shard-1', urls: [a] }]);
});

test('RABBITMQ_URLS is one shard: the nodes of one cluster, in order, spaces trimmed', () => {
  assert.equal(shardsOf({ RABBITMQ_URLS: `${a}, ${b} ,${c}` }), [{ name: 'shard-1', urls: [a, b, c] }]);
});

test('RABBITMQ_SHARDS lists shards by ";", each with its nodes; unnamed ones are named by position', () => {
  assert.equal(shardsOf({ RABBITMQ_SHARDS: `${a};${b},${c}` }), [
    { name: 'shard-1', urls: [a] },
    { name: 'shard-2', urls: [b, c] },
  ]);
});

test('a shard may be named, so that the ring keeps its users when shards before it go', () => {
  assert.equal(shardsOf({ RABBITMQ_SHARDS: `east=${a},${b}; west = ${c}` }), [
    { name: 'east', urls: [a, b] },
    { name: 'west', urls: [c] },
  ]);
});

test("a URL's own '=' (in its query) is not taken for a name", () => {
  assert.equal(shardsOf({ RABBITMQ_SHARDS: c }), [{ name: 'shard-1', urls: [c] }]);
});

test('a bad list names the variable, what it accepts and the entry at fault', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ RABBITMQ_URLS: `${a},,${b}` }, 'RABBITMQ_URLS must be a comma-separated list of amqp:// or amqps:// URLs, the nodes of one cluster (got "' + `${a},,${b}` + '"): entry 2 is empty'],
    [{ RABBITMQ_URLS: `${a},http://x:1` }, ': entry 2 ("http://x:1") is not an amqp:// or amqps:// URL'],
    [{ RABBITMQ_URLS: `${a},${a}` }, `: entry 2 ("${a}") is listed twice`],
    [{ RABBITMQ_SHARDS: `${a};;${b}` }, 'RABBITMQ_SHARDS must be shards separated by ";"'],
    [{ RABBITMQ_SHARDS: `${a};;${b}` }, ': shard 2 is empty'],
    [{ RABBITMQ_SHARDS: `${a};` }, ': shard 2 is empty'],
    [{ RABBITMQ_SHARDS: `${a};${b},nope` }, ': shard 2, entry 2 ("nope") is not an amqp:// or amqps:// URL'],
    [{ RABBITMQ_SHARDS: `${a};${b},${a}` }, `: shard 2, entry 2 ("${a}") is listed twice`],
    [{ RABBITMQ_SHARDS: `x=${a};x=${b}` }, ': two shards are named "x"'],
    [{ RABBITMQ_SHARDS: `shard-2=${a};${b}` }, ': two shards are named "shard-2"'],
    [{ RABBITMQ_SHARDS: `no good=${a}` }, `: shard 1's name "no good" is not letters, digits`],
    [{ RABBITMQ_SHARDS: `x=` }, ': shard 1, entry 1 is empty'],
  ];
  for (const [env, message] of cases) assert.match(errorOf(env), message, JSON.stringify(env));
});

test('every bad broker setting is named in the one message', () => {
  const message = errorOf({ RABBITMQ_URL: 'mysql://x', RABBITMQ_URLS: 'x', RABBITMQ_SHARDS: ';' });
  for (const name of ['RABBITMQ_URL must be', 'RABBITMQ_URLS must be', 'RABBITMQ_SHARDS must be']) assert.match(message, name);
});

test('RABBITMQ_URLS and RABBITMQ_SHARDS together are refused: which was meant cannot be told', () => {
  assert.match(errorOf({ RABBITMQ_URLS: a, RABBITMQ_SHARDS: b }), 'RABBITMQ_URLS and RABBITMQ_SHARDS are both set');
});

test('readiness with one shard: not ready while it is down', async () => {
  let up = false;
  const ops = createOps('test', shardChecks(['shard-1'], () => up));
  assert.equal(await ops.readiness(), { ready: false, degraded: false, checks: { rabbitmq: 'not connected' } });
  up = true;
  assert.equal(await ops.readiness(), { ready: true, degraded: false, checks: { rabbitmq: 'ok' } });
});

test('readiness with several shards: one down leaves the process ready but degraded, naming it; all down is not ready', async () => {
  const up = new Set(['a', 'c']);
  const ops = createOps('test', shardChecks(['a', 'b', 'c'], (name) => up.has(name)));
  const degraded = await ops.readiness();
  assert.is(degraded.ready, true);
  assert.is(degraded.degraded, true);
  assert.is(degraded.checks['rabbitmq b'], 'not connected: its users get no live posts until it is back');
  assert.is(degraded.checks['rabbitmq a'], 'ok');
  up.clear();
  const down = await ops.readiness();
  assert.is(down.ready, false);
  assert.is(down.checks.rabbitmq, 'no shard connected');
});

test.run();
