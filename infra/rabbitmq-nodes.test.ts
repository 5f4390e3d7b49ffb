// infra/rabbitmq-nodes.sh with real brokers: three nodes as one cluster, then three
// independent brokers (shards), each with a node stopped and started again by the
// documented commands. The nodes get a folder, a name prefix and free ports of their own,
// so a developer's nodes and the system's broker (:5672) are never touched; whatever
// happens, they are torn down at the end (and a run killed before that is cleaned up by
// the next one).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { brokerShards, loadConfig, rabbitmqSettings } from '../packages/kit/src/index.js';
import { downLeftoverNodes, eventually, freeNodePorts } from '../packages/kit/src/testing.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'rabbitmq-nodes.sh');
const folderPrefix = 'herald-rabbitmq-nodes-';
const nodeCount = 3;

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly summary: string;
  readonly stdout: string;
}

function nodesScript(env: Record<string, string>, ...args: string[]): Run {
  const run = spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
  const lines = run.stdout.trim().split('\n');
  return { status: run.status, output: `${run.stdout}${run.stderr}`, summary: lines[lines.length - 1] ?? '', stdout: run.stdout };
}

/** Stops the nodes of a folder, and removes the folder once they are down (`down` keeps one it did not set up). */
function downAndRemove(dir: string): void {
  if (nodesScript({ RABBITMQ_NODES_DIR: dir }, 'down').status === 0) rmSync(dir, { recursive: true, force: true });
}

/** Resolves true when the port answers the AMQP 0-9-1 header with Connection.Start, false when refused. */
function answersAmqp(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer on :${port}`)));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (reply) => {
      socket.destroy();
      resolve(reply[0] === 1 && reply.readUInt16BE(7) === 10 && reply.readUInt16BE(9) === 10);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve(false) : reject(error)));
  });
}

const guest = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' };

/** Declares a fanout exchange through one node's management API. */
async function declareExchange(managementPort: number, name: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${managementPort}/api/exchanges/%2F/${name}`, { method: 'PUT', headers: guest, body: JSON.stringify({ type: 'fanout', durable: true }) });
  assert.ok(response.ok, `declaring ${name} on :${managementPort} answered ${response.status}`);
}

async function hasExchange(managementPort: number, name: string): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${managementPort}/api/exchanges/%2F/${name}`, { headers: guest });
  if (response.status !== 200 && response.status !== 404) throw new Error(`:${managementPort} answered ${response.status}`);
  return response.status === 200;
}

interface ClusterStatus {
  readonly disk_nodes: string[];
  readonly running_nodes: string[];
}

/** One set of nodes under test: its folder, names and ports, and the script run against it. */
function nodeSet(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `${folderPrefix}${process.pid}-${label}-`));
  const prefix = `herald-t${process.pid}${label[0] ?? 'x'}-r`;
  let base = 0;
  const env = () => ({ RABBITMQ_NODES_DIR: dir, RABBITMQ_NODES_PORT: String(base), RABBITMQ_NODES_NAME: prefix });
  const set = {
    dir,
    names: [1, 2, 3].map((i) => `${prefix}${i}@localhost`),
    amqp: (i: number) => base + i - 1,
    management: (i: number) => base + i - 1 + 10_000,
    async choosePorts() {
      base = await freeNodePorts(nodeCount);
    },
    run: (...args: string[]) => nodesScript(env(), ...args),
    clusterStatus(i: number): ClusterStatus {
      const run = nodesScript(env(), 'ctl', String(i), '-q', 'cluster_status', '--formatter', 'json');
      assert.is(run.status, 0, run.output);
      return JSON.parse(run.stdout) as ClusterStatus;
    },
    /** Stops whatever is still up; the test's teardown, also run if the process exits early. */
    tearDown() {
      if (existsSync(dir)) downAndRemove(dir);
    },
  };
  process.once('exit', () => set.tearDown());
  return set;
}

const sorted = (names: readonly string[]) => [...names].sort();

// ---------------------------------------------------------------------------------------

const cli = suite('rabbitmq-nodes.sh: arguments');

cli('an unknown command is refused with its usage', () => {
  const run = nodesScript({}, 'frobnicate');
  assert.is(run.status, 2);
  assert.match(run.output, 'usage: bash infra/rabbitmq-nodes.sh up');
});

cli('stop, start and status in a folder with no nodes say so and exit 3', () => {
  const empty = join(tmpdir(), `${folderPrefix}${process.pid}-none`);
  for (const args of [['status'], ['stop', '2'], ['start', '2'], ['env']]) {
    const run = nodesScript({ RABBITMQ_NODES_DIR: empty }, ...args);
    assert.is(run.status, 3, `${args.join(' ')}: ${run.output}`);
    assert.match(run.output, `no RabbitMQ nodes set up in ${empty}`);
  }
  assert.match(nodesScript({ RABBITMQ_NODES_DIR: empty }, 'down').output, 'none set up');
});

cli.run();

// ---------------------------------------------------------------------------------------

const cluster = suite('rabbitmq-nodes.sh: three nodes as one cluster');
const c = nodeSet('cluster');

cluster.before(async () => {
  await downLeftoverNodes();
  await c.choosePorts();
});
cluster.after(() => c.tearDown());

cluster('up starts three nodes and joins nodes 2 and 3 to node 1', () => {
  const run = c.run('up', '--cluster', '--nodes', String(nodeCount));
  assert.is(run.status, 0, run.output);
  assert.match(run.summary, /^rabbitmq nodes ready: a cluster: .*; changed: /);
  for (const name of c.names) assert.match(run.output, `${name}: started`);
  for (const name of c.names.slice(1)) assert.match(run.output, `${name}: joined the cluster of ${c.names[0]}`);
});

cluster('cluster_status of each node lists all three, running', () => {
  for (const i of [1, 2, 3]) {
    const status = c.clusterStatus(i);
    assert.equal(sorted(status.disk_nodes), c.names, `node ${i}'s members`);
    assert.equal(sorted(status.running_nodes), c.names, `node ${i}'s running members`);
  }
});

cluster('a second up changes nothing', () => {
  const run = c.run('up');
  assert.is(run.status, 0, run.output);
  assert.match(run.summary, /; nothing changed$/);
});

cluster('up with another layout is refused until down', () => {
  const run = c.run('up', '--shards');
  assert.is(run.status, 1);
  assert.match(run.output, 'run `bash infra/rabbitmq-nodes.sh down` first');
});

cluster('each node answers AMQP on its own port, and an exchange declared on one is on all', async () => {
  for (const i of [1, 2, 3]) assert.ok(await answersAmqp(c.amqp(i)), `node ${i} answers AMQP on :${c.amqp(i)}`);
  await declareExchange(c.management(1), 'herald.nodes-test.a');
  for (const i of [2, 3]) assert.ok(await hasExchange(c.management(i), 'herald.nodes-test.a'), `node ${i} has it`);
});

cluster('env points Herald at the cluster: RABBITMQ_URLS lists the three nodes as one shard', () => {
  const run = c.run('env');
  assert.is(run.status, 0, run.output);
  const urls = /export RABBITMQ_URLS='([^']+)'/.exec(run.stdout)?.[1] ?? '';
  const config = loadConfig(rabbitmqSettings, { RABBITMQ_URLS: urls });
  assert.equal(brokerShards(config), [{ name: 'shard-1', urls: [1, 2, 3].map((i) => `amqp://guest:guest@127.0.0.1:${c.amqp(i)}`) }]);
});

cluster('stop 2 stops node 2 alone: the other two answer AMQP and still work as a cluster', async () => {
  const run = c.run('stop', '2');
  assert.is(run.status, 0, run.output);
  assert.match(run.output, `${c.names[1]}: stopped`);
  assert.is(await answersAmqp(c.amqp(2)), false, 'node 2 refuses connections');
  for (const i of [1, 3]) assert.ok(await answersAmqp(c.amqp(i)), `node ${i} answers AMQP`);
  await eventually(() => (sorted(c.clusterStatus(1).running_nodes).join() === [c.names[0], c.names[2]].join() ? true : undefined), 'node 1 to see node 2 gone', 60_000);
  assert.equal(sorted(c.clusterStatus(1).disk_nodes), c.names, 'node 2 is still a member');
  await declareExchange(c.management(3), 'herald.nodes-test.b');
  assert.ok(await hasExchange(c.management(1), 'herald.nodes-test.b'), 'node 1 has what node 3 declared');
  const status = c.run('status');
  assert.is(status.status, 3, 'status says a node is down');
  assert.match(status.output, `${c.names[1]}: stopped`);
});

cluster('start 2 brings node 2 back into the cluster, with what was declared while it was down', async () => {
  const run = c.run('start', '2');
  assert.is(run.status, 0, run.output);
  assert.ok(await answersAmqp(c.amqp(2)), 'node 2 answers AMQP again');
  await eventually(() => (sorted(c.clusterStatus(1).running_nodes).join() === c.names.join() ? true : undefined), 'node 1 to see node 2 running', 60_000);
  assert.ok(await hasExchange(c.management(2), 'herald.nodes-test.b'), 'node 2 synced the cluster metadata');
  assert.is(c.run('status').status, 0);
});

cluster('down stops every node and deletes the folder', async () => {
  const run = c.run('down');
  assert.is(run.status, 0, run.output);
  for (const i of [1, 2, 3]) assert.is(await answersAmqp(c.amqp(i)), false, `node ${i} is gone`);
  assert.not.ok(existsSync(c.dir));
});

cluster.run();

// ---------------------------------------------------------------------------------------

const shards = suite('rabbitmq-nodes.sh: three independent brokers (shards)');
const s = nodeSet('shards');

shards.before(async () => {
  await s.choosePorts();
});
shards.after(() => s.tearDown());

shards('up --shards starts three brokers that know nothing of each other', () => {
  const run = s.run('up', '--shards', '--nodes', String(nodeCount));
  assert.is(run.status, 0, run.output);
  assert.match(run.summary, /^rabbitmq nodes ready: independent brokers \(shards\): .*; changed: /);
  assert.not.match(run.output, 'joined');
  for (const i of [1, 2, 3]) assert.equal(s.clusterStatus(i).disk_nodes, [s.names[i - 1]], `node ${i} is alone`);
  assert.match(s.run('up').summary, /; nothing changed$/);
});

shards('each answers AMQP, and an exchange declared on one is on no other', async () => {
  for (const i of [1, 2, 3]) assert.ok(await answersAmqp(s.amqp(i)), `node ${i} answers AMQP`);
  await declareExchange(s.management(1), 'herald.nodes-test.c');
  for (const i of [2, 3]) assert.not.ok(await hasExchange(s.management(i), 'herald.nodes-test.c'), `node ${i} lacks it`);
});

shards('env lists the three as shards named after their nodes, which the settings accept', () => {
  const run = s.run('env');
  assert.is(run.status, 0, run.output);
  const value = /export RABBITMQ_SHARDS='([^']+)'/.exec(run.stdout)?.[1] ?? '';
  const config = loadConfig(rabbitmqSettings, { RABBITMQ_SHARDS: value });
  assert.equal(brokerShards(config).map((shard) => shard.name), s.names.map((name) => name.replace('@localhost', '')));
});

shards('stop 2 stops that broker alone; start 2 brings it back, still alone', async () => {
  const stopped = s.run('stop', '2');
  assert.is(stopped.status, 0, stopped.output);
  assert.is(await answersAmqp(s.amqp(2)), false, 'broker 2 refuses connections');
  for (const i of [1, 3]) assert.ok(await answersAmqp(s.amqp(i)), `broker ${i} answers AMQP`);
  const started = s.run('start', '2');
  assert.is(started.status, 0, started.output);
  assert.ok(await answersAmqp(s.amqp(2)), 'broker 2 answers AMQP again');
  assert.equal(s.clusterStatus(2).disk_nodes, [s.names[1]]);
});

shards('down stops every broker and deletes the folder', async () => {
  const run = s.run('down');
  assert.is(run.status, 0, run.output);
  for (const i of [1, 2, 3]) assert.is(await answersAmqp(s.amqp(i)), false, `broker ${i} is gone`);
  assert.not.ok(existsSync(s.dir));
});

shards.run();
