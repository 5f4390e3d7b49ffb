import type { EventStore } from '@herald/eventstore';
import type pg from 'pg';
import { outboxProjection } from '../projections/outbox.js';
import { liveSchema } from '../schema.js';

/**
 * History notifies nobody, not even on a projector's first start on a log that already
 * holds posts (one made by `herald log generate`, or moved from another deployment): with
 * no outbox checkpoint yet, the outbox starts at the log's head, while the read models
 * still read the log from the start. The head is every event committed by now, not
 * only those readers see (a long transaction elsewhere in the cluster holds that back),
 * so no post of the history is notified. Started on an empty log, the outbox
 * starts at the beginning, and a later start finds its checkpoint and keeps it.
 */
export async function startOutboxAtHead(pool: pg.Pool, store: EventStore): Promise<void> {
  const head = (await store.committedHead()) ?? '';
  await pool.query(
    `INSERT INTO ${liveSchema}.projection_checkpoints (projection, version, position) VALUES ($1, $2, $3)
     ON CONFLICT (projection) DO NOTHING`,
    [outboxProjection.name, outboxProjection.version, head],
  );
}
