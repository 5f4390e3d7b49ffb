import type { RecordedEvent } from '@herald/eventstore';
import type { HeraldEvent } from '@herald/contracts';
import { v7 as uuid } from 'uuid';

/**
 * Builds recorded events the way the log hands them out, for tests that drive the
 * appliers directly: positions increase with every event made.
 */
export function eventMaker(start = Date.parse('2026-01-01T00:00:00Z')) {
  let n = 0;
  return function recorded(type: HeraldEvent['type'], data: Record<string, unknown>, stream = 'test-stream'): RecordedEvent {
    n += 1;
    return {
      id: uuid(),
      streamId: stream,
      revision: 0n,
      position: `${n.toString(16).padStart(16, '0')}-${n.toString(16).padStart(16, '0')}`,
      type,
      data: data as RecordedEvent['data'],
      metadata: { schemaVersion: 1, occurredAt: new Date(start + n * 1000).toISOString() },
      createdAt: new Date(start + n * 1000),
    };
  };
}
