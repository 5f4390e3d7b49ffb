import { ConfigError, optional, structured, url, type Reading } from './config.js';
import type { ReadinessCheck } from './ops.js';

/**
 * The RabbitMQ brokers Herald talks to, in the two stages of docs/scaling.md: one shard
 * (a single broker, or the nodes of one cluster: a client moves to another node when its
 * node dies), or several shards, independent brokers or clusters, each user's shard
 * picked by the hash ring over user ids (`createHashRing` in contracts, fed the names).
 */
export interface BrokerShard {
  /** The ring places a shard by its name: keep a shard's name when its nodes change. */
  readonly name: string;
  /** Its nodes: one broker, or the nodes of one cluster, any of which will do. */
  readonly urls: readonly string[];
}

const amqpUrl = url(['amqp:', 'amqps:']);
const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The name of the shard at `position` (from 1) when the setting gives none. */
export const defaultShardName = (position: number) => `shard-${String(position)}`;

/** `a,b,c`: each entry an amqp(s) URL, none twice (`seen` spans a whole setting). */
function readUrls(raw: string, where: string, seen: Set<string>): Reading<string[]> {
  const urls: string[] = [];
  for (const [index, entry] of raw.split(',').map((e) => e.trim()).entries()) {
    const at = `${where}entry ${String(index + 1)}`;
    if (entry === '') return { problem: `${at} is empty` };
    if (amqpUrl.parse(entry) === undefined) return { problem: `${at} (${JSON.stringify(entry)}) is not an amqp:// or amqps:// URL` };
    if (seen.has(entry)) return { problem: `${at} (${JSON.stringify(entry)}) is listed twice` };
    seen.add(entry);
    urls.push(entry);
  }
  return { value: urls };
}

/** `[name=]url,url;[name=]url;...` */
function readShards(raw: string): Reading<BrokerShard[]> {
  const shards: BrokerShard[] = [];
  const urlsSeen = new Set<string>();
  for (const [index, part] of raw.split(';').map((p) => p.trim()).entries()) {
    const position = index + 1;
    if (part === '') return { problem: `shard ${String(position)} is empty` };
    // A name comes before `=`; a URL's own `=` (in its query) comes after its `://`.
    const named = /^([^=:/]+)=(.*)$/.exec(part);
    const name = named ? (named[1] ?? '').trim() : defaultShardName(position);
    if (!namePattern.test(name)) return { problem: `shard ${String(position)}'s name ${JSON.stringify(name)} is not letters, digits, '.', '_' or '-' (at most 64)` };
    if (shards.some((shard) => shard.name === name)) return { problem: `two shards are named ${JSON.stringify(name)}` };
    const urls = readUrls(named ? (named[2] ?? '') : part, `shard ${String(position)}, `, urlsSeen);
    if ('problem' in urls) return urls;
    shards.push({ name, urls: urls.value });
  }
  return { value: shards };
}

/** RabbitMQ settings of every process that talks to it (the relay's projector, the notifiers). */
export const rabbitmqSettings = {
  RABBITMQ_URL: url(['amqp:', 'amqps:'], 'amqp://guest:guest@127.0.0.1:5672'),
  RABBITMQ_URLS: optional(
    structured('a comma-separated list of amqp:// or amqps:// URLs, the nodes of one cluster', (raw) => readUrls(raw, '', new Set())),
  ),
  RABBITMQ_SHARDS: optional(
    structured('shards separated by ";", each an optional "name=" and a comma-separated list of amqp:// or amqps:// URLs (one broker, or the nodes of one cluster)', readShards),
  ),
} as const;

export interface BrokerSettings {
  readonly RABBITMQ_URL: string;
  readonly RABBITMQ_URLS?: readonly string[] | undefined;
  readonly RABBITMQ_SHARDS?: readonly BrokerShard[] | undefined;
}

/**
 * The shards the settings name: RABBITMQ_SHARDS if set; else RABBITMQ_URLS as one shard
 * (a cluster); else RABBITMQ_URL as one shard of one broker (today's setup). Setting both
 * lists is refused: which one was meant cannot be told.
 */
export function brokerShards(config: BrokerSettings): readonly BrokerShard[] {
  if (config.RABBITMQ_SHARDS && config.RABBITMQ_URLS) {
    throw new ConfigError('Invalid configuration: RABBITMQ_URLS and RABBITMQ_SHARDS are both set: set RABBITMQ_URLS for one cluster, or RABBITMQ_SHARDS for several shards (a shard may list the nodes of a cluster)');
  }
  if (config.RABBITMQ_SHARDS) return config.RABBITMQ_SHARDS;
  return [{ name: defaultShardName(1), urls: config.RABBITMQ_URLS ?? [config.RABBITMQ_URL] }];
}

/**
 * Readiness checks for a process that talks to every shard: `rabbitmq` fails only when
 * no shard answers (the process can do none of its work); with several shards, each has
 * its own check, `rabbitmq <name>`, that names it when it is down but leaves the process
 * ready (degraded): the other shards' users are still served.
 */
export function shardChecks(names: readonly string[], connected: (name: string) => boolean): ReadinessCheck[] {
  const any: ReadinessCheck = {
    name: 'rabbitmq',
    check: async () => { if (!names.some(connected)) throw new Error(names.length === 1 ? 'not connected' : 'no shard connected'); },
  };
  if (names.length === 1) return [any];
  return [any, ...names.map((name): ReadinessCheck => ({
    name: `rabbitmq ${name}`,
    check: async () => { if (!connected(name)) throw new Error('not connected: its users get no live posts until it is back'); },
    degradesOnly: true,
  }))];
}
