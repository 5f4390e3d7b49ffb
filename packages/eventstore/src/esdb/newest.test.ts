import type { AllStreamResolvedEvent } from '@eventstore/db-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Position } from '../port.js';
import { toPortPosition } from './mapping.js';
import { newestWanted, type ReadBackwards } from './newest.js';

/**
 * $all as the client hands it out, held in memory: events built as the driver builds
 * them (its own types, not a fake of the network), read backwards in pages the way
 * `client.readAll({direction: BACKWARDS, fromPosition, maxCount})` reads them.
 */
function log(entries: readonly { readonly streamId: string; readonly type: string }[]): AllStreamResolvedEvent[] {
  return entries.map(({ streamId, type }, i) => ({
    event: {
      streamId, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type, revision: BigInt(i), isJson: true,
      created: new Date(0), data: {}, metadata: undefined, position: { commit: BigInt(100 + i * 10), prepare: BigInt(100 + i * 10) },
    },
  }));
}

function positionOf(event: AllStreamResolvedEvent): Position {
  if (!event.event) throw new Error('no event');
  return toPortPosition(event.event.position);
}

/**
 * Reads pages backwards; the event at `from` is included (as a read forwards from a
 * position includes it) unless `exclusive`.
 */
function reader(all: readonly AllStreamResolvedEvent[], reads: { count: number }, exclusive = false): ReadBackwards {
  return async function* read(from, maxCount) {
    reads.count += 1;
    const older = all.filter((e) => from === 'end' || positionOf(e) < from || (!exclusive && positionOf(e) === from)).reverse();
    yield* older.slice(0, maxCount);
  };
}

const systemEvents = (n: number) => Array.from({ length: n }, () => ({ streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' }));

test('the head is found however many system events follow it (only the last 500 were looked at)', async () => {
  const all = log([{ streamId: 'post-1', type: 'PostCreated' }, ...systemEvents(1_234)]);
  const reads = { count: 0 };
  assert.is(await newestWanted(reader(all, reads), undefined, {}), positionOf(all[0] as AllStreamResolvedEvent));
  assert.ok(reads.count > 1, 'read in pages');
  assert.is(await newestWanted(reader(all, { count: 0 }, true), undefined, {}), positionOf(all[0] as AllStreamResolvedEvent), 'a server that leaves out the event at the position read from');
  const edge = log([{ streamId: 'post-1', type: 'PostCreated' }, ...systemEvents(1_000)]);
  assert.is(await newestWanted(reader(edge, { count: 0 }, true), undefined, {}), positionOf(edge[0] as AllStreamResolvedEvent), 'the head just past two full pages');
});

test('a log of system events only has no head, and the look ends at its start', async () => {
  assert.is(await newestWanted(reader(log(systemEvents(1_500)), { count: 0 }), undefined, {}), undefined);
  assert.is(await newestWanted(reader([], { count: 0 }), undefined, {}), undefined);
});

test('the newest event a filter wants is found behind many it does not want', async () => {
  const all = log([
    { streamId: 'post-1', type: 'PostCreated' },
    { streamId: 'user-1', type: 'UserRegistered' },
    ...Array.from({ length: 700 }, (_, i) => ({ streamId: `friendship-${i}`, type: 'FriendAdded' })),
    ...systemEvents(300),
  ]);
  assert.is(await newestWanted(reader(all, { count: 0 }), { streamPrefixes: ['user-'] }, {}), positionOf(all[1] as AllStreamResolvedEvent));
});

test('the look stops at a given position: nothing wanted after it is undefined, without reading further back', async () => {
  const all = log([{ streamId: 'user-1', type: 'UserRegistered' }, ...systemEvents(5_000)]);
  const reads = { count: 0 };
  const after = positionOf(all[4_000] as AllStreamResolvedEvent);
  assert.is(await newestWanted(reader(all, reads), { streamPrefixes: ['user-'] }, { after }), undefined);
  assert.ok(reads.count <= 3, `read ${reads.count} pages`);
});

test('a bounded look gives up after about maxEvents', async () => {
  const all = log([{ streamId: 'user-1', type: 'UserRegistered' }, ...systemEvents(5_000)]);
  const reads = { count: 0 };
  assert.is(await newestWanted(reader(all, reads), undefined, { pageSize: 100, maxEvents: 1_000 }), undefined);
  assert.is(reads.count, 10);
  assert.is(await newestWanted(reader(all, { count: 0 }), undefined, { pageSize: 100, maxEvents: 10_000 }), positionOf(all[0] as AllStreamResolvedEvent));
});

test.run();
