// The README's configuration table, built from each process's `settings` (what
// loadConfig reads): variable, processes, default, what it accepts, and the setting's
// doc comment. `node --import tsx scripts/config-table.ts` prints it; `--write`
// replaces the block between the README's config markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface SettingLike {
  readonly accepts: string;
  readonly fallback: unknown;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const processes = [
  { name: 'command-api', file: 'packages/command-api/src/settings.ts' },
  { name: 'projector', file: 'packages/projections/src/settings.ts' },
  { name: 'notifier', file: 'packages/notifier/src/settings.ts' },
  { name: 'herald', file: 'packages/cli/src/settings.ts' },
];

// For settings whose declaration carries no doc comment (the agreed, shared ones).
const knownPurposes: Record<string, string> = {
  LOG_LEVEL: 'Level of the JSON log lines.',
  DATABASE_URL: 'PostgreSQL: the read models, and the event store unless EVENTSTORE_URL is set.',
  HTTP_HOST: 'Interface of the HTTP API (with /healthz, /readyz, /metrics, /openapi.json).',
  HTTP_PORT: 'Port of the HTTP API.',
  GRPC_HOST: 'Interface of the gRPC AuthService (loopback unless the notifier runs elsewhere).',
  GRPC_PORT: 'Port of the gRPC AuthService.',
  REDIS_URL: 'Redis: sessions, login and registration limits, idempotency keys; the notifier hears logouts there.',
  EVENTSTORE_URL: 'An esdb:// connection string selects EventStoreDB as the event store; unset, PostgreSQL is.',
  PROJECTOR_HOST: 'Interface of the projector\'s /healthz, /readyz, /metrics.',
  PROJECTOR_PORT: 'Port of the projector\'s /healthz, /readyz, /metrics.',
  RABBITMQ_URL: 'RabbitMQ, where feed notifications travel: today the relay and the notifiers connect to this one broker only.',
  RABBITMQ_URLS: 'Stage 1 of RabbitMQ scale-out: the nodes of one cluster (a client moves to another node when its node dies). Replaces RABBITMQ_URL (docs/scaling.md).',
  RABBITMQ_SHARDS: 'Stage 2: several shards, independent brokers or clusters, e.g. `a=amqp://h1,amqp://h2;b=amqp://h3`; each user\'s shard is picked by a hash ring over the shard names (an unnamed shard is `shard-<position>`: name them if you may remove one that is not last). A shard that is down delays only its users (docs/scaling.md).',
  FEED_EXCHANGE: 'Durable fanout exchange of post notifications: one message per post with its recipients; each notifier queue holding sockets is bound to it.',
  NOTIFIER_HOST: 'Interface of the websocket server (/post/feed/posted) and its /healthz, /readyz, /metrics.',
  NOTIFIER_PORT: 'Port of the websocket server.',
  AUTH_GRPC_ADDRESS: 'host:port of the command API\'s gRPC AuthService, which checks tokens.',
  NOTIFIER_PUBLIC_URL: 'Websocket URL the web page at / gives browsers for the notifier; unset, ws(s)://<the page\'s host>:8090/post/feed/posted.',
  SESSION_TTL_SECONDS: 'How long a login token stays valid.',
  BODY_LIMIT_BYTES: 'Largest request body accepted (413 beyond).',
  POST_TEXT_MAX_CHARS: 'Longest post text accepted.',
  NAME_MAX_CHARS: 'Longest first or second name accepted.',
  PASSWORD_MIN_CHARS: 'Shortest password accepted at registration.',
  PASSWORD_MAX_CHARS: 'Longest password accepted.',
  FEED_LIMIT_MAX: 'Largest `limit` of a feed page.',
  SEARCH_LIMIT: 'Most users a search answers.',
  AUTH_CACHE_MAX_ENTRIES: 'Most token answers the notifier keeps cached.',
  RABBITMQ_RECONNECT_MIN_MS: 'Shortest delay before reconnecting to RabbitMQ (the backoff grows up to the maximum).',
  RABBITMQ_RECONNECT_MAX_MS: 'Longest delay between reconnection attempts.',
  MAX_SOCKETS_PER_USER: 'Most open websockets of one user on one notifier process.',
  HEARTBEAT_INTERVAL_MS: 'How often the notifier pings each socket to find dead connections, a thirtieth of its sockets every thirtieth of the interval (never all at once); a socket that has not answered by its next ping is cut.',
};

/** `NAME: ...` declarations preceded by a doc comment, from a settings file's source. */
function docComments(source: string): Map<string, string> {
  const docs = new Map<string, string>();
  let pending: string[] | undefined;
  let open = false;
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    if (open || trimmed.startsWith('/**')) {
      const text = trimmed.replace(/^\/\*\*/, '').replace(/\*\/$/, '').replace(/^\*\s?/, '').trim();
      if (!open) pending = [];
      if (text) pending?.push(text);
      open = !trimmed.endsWith('*/');
      continue;
    }
    const declared = /^([A-Z][A-Z0-9_]*):/.exec(trimmed);
    if (declared?.[1] && pending) docs.set(declared[1], pending.join(' '));
    pending = undefined;
  }
  return docs;
}

function formatDefault(setting: SettingLike): string {
  if (setting.fallback === undefined) return 'unset';
  const fallback = setting.fallback;
  return `\`${typeof fallback === 'string' ? fallback : JSON.stringify(fallback)}\``;
}

interface Row { variable: string; usedBy: string[]; fallback: string; accepts: string; purpose: string }

export async function configRows(): Promise<Row[]> {
  const rows = new Map<string, Row>();
  for (const p of processes) {
    const path = join(root, p.file);
    const { settings } = (await import(pathToFileURL(path).href)) as { settings: Record<string, SettingLike> };
    const docs = docComments(readFileSync(path, 'utf8'));
    for (const [variable, setting] of Object.entries(settings)) {
      const row = rows.get(variable) ?? { variable, usedBy: [], fallback: formatDefault(setting), accepts: setting.accepts, purpose: docs.get(variable) ?? knownPurposes[variable] ?? '' };
      row.usedBy.push(p.name);
      if (!row.purpose) row.purpose = docs.get(variable) ?? '';
      rows.set(variable, row);
    }
  }
  return [...rows.values()];
}

export function markdownTable(rows: readonly Row[]): string {
  // Pipes would end the cell; `<x>` outside code spans would read as an HTML tag.
  const escape = (s: string) => s.replace(/\|/g, '\\|').split('`').map((part, i) => (i % 2 ? part : part.replace(/</g, '\\<'))).join('`');
  const lines = ['| Variable | Process | Default | Accepts | What for |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    lines.push(`| \`${r.variable}\` | ${r.usedBy.join(', ')} | ${escape(r.fallback)} | ${escape(r.accepts)} | ${escape(r.purpose)} |`);
  }
  return lines.join('\n');
}

const begin = '<!-- config-table:begin (generated by `make config-table`) -->';
const end = '<!-- config-table:end -->';

const table = markdownTable(await configRows());
if (process.argv.includes('--write')) {
  // docs/operations.md carries the same table (checked by packages/system-tests/src/docs.test.ts).
  for (const file of ['README.md', 'docs/operations.md']) {
    const path = join(root, file);
    const text = readFileSync(path, 'utf8');
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${file} lacks the markers ${begin} ... ${end}`);
    writeFileSync(path, `${text.slice(0, from + begin.length)}\n${table}\n${text.slice(to)}`);
    console.log(`${file}: configuration table rewritten (${table.split('\n').length - 2} variables)`);
  }
} else {
  console.log(table);
}
