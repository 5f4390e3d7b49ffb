import { brokerShards, ConfigError, loadConfig } from '@herald/kit';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settings } from './settings.js';

test('FEED_FANOUT_LIMIT defaults to 1000 and takes a positive integer', () => {
  assert.is(loadConfig(settings, {}).FEED_FANOUT_LIMIT, 1000);
  assert.is(loadConfig(settings, { FEED_FANOUT_LIMIT: '5' }).FEED_FANOUT_LIMIT, 5);
});

test('a FEED_FANOUT_LIMIT that is not a positive integer stops the projector with a message naming it', () => {
  for (const bad of ['0', '-3', '1.5', 'many']) {
    assert.throws(() => loadConfig(settings, { FEED_FANOUT_LIMIT: bad }), (error: unknown) =>
      error instanceof ConfigError && error.message.includes(`FEED_FANOUT_LIMIT must be an integer from 1 to 10000000 (got "${bad}")`));
  }
});

test('the projector reads the broker lists of RabbitMQ scale-out beside RABBITMQ_URL, which stays its one broker', () => {
  const config = loadConfig(settings, { RABBITMQ_URL: 'amqp://127.0.0.1:5681', RABBITMQ_SHARDS: 'a=amqp://127.0.0.1:5681,amqp://127.0.0.1:5682;b=amqp://127.0.0.1:5683' });
  assert.is(config.RABBITMQ_URL, 'amqp://127.0.0.1:5681');
  assert.equal(brokerShards(config).map((shard) => [shard.name, shard.urls.length]), [['a', 2], ['b', 1]]);
  assert.equal(brokerShards(loadConfig(settings, {})), [{ name: 'shard-1', urls: ['amqp://guest:guest@127.0.0.1:5672'] }]);
});

test('a bad RABBITMQ_SHARDS stops the projector with a message naming the shard at fault', () => {
  assert.throws(() => loadConfig(settings, { RABBITMQ_SHARDS: 'amqp://127.0.0.1:5681;;amqp://127.0.0.1:5682' }), (error: unknown) =>
    error instanceof ConfigError && error.message.includes('RABBITMQ_SHARDS must be') && error.message.endsWith(': shard 2 is empty'));
});

test.run();
