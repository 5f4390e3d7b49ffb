import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boolean, ConfigError, host, integer, loadConfig, oneOf, optional, port, structured, text, url } from './config.js';

const settings = {
  HTTP_PORT: port(8080),
  LIMIT: integer(1, 1000, 100),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://localhost/herald'),
  EVENTSTORE_URL: optional(url(['esdb:', 'esdb+discover:'])),
  LOG_LEVEL: oneOf(['info', 'debug'], 'info'),
  FLAG: boolean(false),
  NAME: text('herald'),
  BIND: host('127.0.0.1'),
};

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(settings, env);
  } catch (error) {
    assert.instance(error, ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('unset variables take the documented defaults', () => {
  const config = loadConfig(settings, {});
  assert.equal(config, {
    HTTP_PORT: 8080, LIMIT: 100, DATABASE_URL: 'postgres://localhost/herald', EVENTSTORE_URL: undefined,
    LOG_LEVEL: 'info', FLAG: false, NAME: 'herald', BIND: '127.0.0.1',
  });
});

test('set variables are parsed to their types', () => {
  const config = loadConfig(settings, { HTTP_PORT: '9000', LIMIT: '5', EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', FLAG: 'true', LOG_LEVEL: 'debug' });
  assert.is(config.HTTP_PORT, 9000);
  assert.is(config.LIMIT, 5);
  assert.is(config.EVENTSTORE_URL, 'esdb://localhost:2113?tls=false');
  assert.is(config.FLAG, true);
  assert.is(config.LOG_LEVEL, 'debug');
});

test('a port that is not a number names the variable and the accepted range', () => {
  assert.is(errorOf({ HTTP_PORT: 'abc' }), 'Invalid configuration: HTTP_PORT must be a TCP port number from 0 to 65535 (got "abc")');
});

test('a port out of range is refused', () => {
  assert.match(errorOf({ HTTP_PORT: '70000' }), 'HTTP_PORT must be a TCP port number from 0 to 65535 (got "70000")');
});

test('an integer below its minimum or with a fraction is refused', () => {
  assert.match(errorOf({ LIMIT: '0' }), 'LIMIT must be an integer from 1 to 1000 (got "0")');
  assert.match(errorOf({ LIMIT: '2.5' }), 'LIMIT must be an integer from 1 to 1000 (got "2.5")');
});

test('a URL of the wrong scheme names the schemes accepted', () => {
  assert.match(errorOf({ DATABASE_URL: 'mysql://x/y' }), 'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://x/y")');
  assert.match(errorOf({ DATABASE_URL: 'not a url' }), 'DATABASE_URL must be a URL');
});

test('an enumeration lists its values', () => {
  assert.match(errorOf({ LOG_LEVEL: 'loud' }), 'LOG_LEVEL must be one of info, debug (got "loud")');
});

test('a boolean accepts only true or false', () => {
  assert.match(errorOf({ FLAG: 'yes' }), 'FLAG must be true or false (got "yes")');
});

test('a host with spaces or slashes is refused', () => {
  assert.match(errorOf({ BIND: 'local host' }), 'BIND must be a host name or IP address');
});

test('every bad variable is named in one message', () => {
  const message = errorOf({ HTTP_PORT: 'x', LIMIT: 'y' });
  assert.match(message, 'HTTP_PORT must be');
  assert.match(message, 'LIMIT must be');
});

test('a required setting without default is reported when missing', () => {
  try {
    loadConfig({ SECRET: text() }, {});
    assert.unreachable('should throw');
  } catch (error) {
    assert.is((error as Error).message, 'Invalid configuration: SECRET is required: a non-empty string');
  }
});

test("a structured setting's refusal says what exactly is wrong, after what it accepts", () => {
  const pair = structured('two integers separated by "/"', (raw) => {
    const [left, right, ...rest] = raw.split('/');
    if (rest.length > 0 || right === undefined) return { problem: 'there must be exactly one "/"' };
    return /^\d+$/.test(left ?? '') && /^\d+$/.test(right) ? { value: [Number(left), Number(right)] } : { problem: 'both sides must be integers' };
  });
  assert.equal(loadConfig({ PAIR: pair }, { PAIR: '3/4' }).PAIR, [3, 4]);
  try {
    loadConfig({ PAIR: pair }, { PAIR: '3/4/5' });
    assert.unreachable('should throw');
  } catch (error) {
    assert.is((error as Error).message, 'Invalid configuration: PAIR must be two integers separated by "/" (got "3/4/5"): there must be exactly one "/"');
  }
});

test.run();
