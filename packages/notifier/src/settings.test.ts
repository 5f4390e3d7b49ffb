import { brokerShards, ConfigError, loadConfig } from '@herald/kit';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settings } from './settings.js';

test('the notifier reads the broker lists of RabbitMQ scale-out beside RABBITMQ_URL, which stays its one broker', () => {
  const config = loadConfig(settings, { RABBITMQ_URLS: 'amqp://127.0.0.1:5681,amqp://127.0.0.1:5682' });
  assert.is(config.RABBITMQ_URL, 'amqp://guest:guest@127.0.0.1:5672');
  assert.equal(brokerShards(config), [{ name: 'shard-1', urls: ['amqp://127.0.0.1:5681', 'amqp://127.0.0.1:5682'] }]);
});

test('a bad RABBITMQ_URLS stops the notifier with a message naming the entry at fault', () => {
  assert.throws(() => loadConfig(settings, { RABBITMQ_URLS: 'amqp://127.0.0.1:5681,127.0.0.1:5682' }), (error: unknown) =>
    error instanceof ConfigError && error.message.includes('RABBITMQ_URLS must be') && error.message.endsWith(': entry 2 ("127.0.0.1:5682") is not an amqp:// or amqps:// URL'));
});

test.run();
