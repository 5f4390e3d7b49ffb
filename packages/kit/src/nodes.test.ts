import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterNodes, connectToANode, nodeLabel } from './nodes.js';

const urls = ['amqp://a:5681', 'amqp://b:5682', 'amqp://c:5683'];

/** An opener that answers only for the nodes named up, recording every node it was asked for. */
function opener(up: readonly string[]) {
  const tried: string[] = [];
  return {
    tried,
    open: async (url: string) => {
      tried.push(url);
      if (!up.includes(url)) throw new Error(`${url} refused`);
      return url;
    },
  };
}

test('a first connect takes the first node that answers, in the order given', async () => {
  const nodes = clusterNodes(urls);
  const { tried, open } = opener([urls[1]!, urls[2]!]);
  assert.is((await connectToANode(nodes, open)).value, urls[1]);
  assert.equal(tried, [urls[0], urls[1]]);
});

test('after a loss the lost node is tried last', async () => {
  const nodes = clusterNodes(urls);
  await connectToANode(nodes, opener(urls).open);
  const { tried, open } = opener(urls);
  assert.is((await connectToANode(nodes, open, { after: true })).value, urls[1]);
  assert.equal(tried, [urls[1]]);
  const again = opener([urls[0]!]);
  assert.is((await connectToANode(nodes, again.open, { after: true })).value, urls[0]);
  assert.equal(again.tried, [urls[2], urls[0]], 'round the list, ending at the node lost');
});

test('with no node answering it throws the last error, once each node was tried', async () => {
  const { tried, open } = opener([]);
  try {
    await connectToANode(clusterNodes(urls), open);
    assert.unreachable('no node answers');
  } catch (error) {
    assert.match((error as Error).message, `${urls[2]!} refused`);
  }
  assert.is(tried.length, 3);
});

test('a node is named by host and port, never with its credentials', () => {
  assert.is(nodeLabel('amqp://guest:secret@10.0.0.7:5681/vhost'), '10.0.0.7:5681');
  assert.is(nodeLabel('amqps://user:pw@broker'), 'broker:5671');
});

test.run();
