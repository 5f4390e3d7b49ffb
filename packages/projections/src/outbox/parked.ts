/**
 * Outbox rows RabbitMQ refused (basic.nack) `OUTBOX_REFUSALS_BEFORE_PARKING` times in a
 * row, kept with the reason instead of blocking every notification behind them. The
 * relay owns this table, not a projection: nothing rebuilds it. docs/operations.md says
 * how to look at parked rows and send them again.
 */
export const outboxParkedDdl = `
  CREATE TABLE outbox_parked (
    id bigint PRIMARY KEY,
    event_id text NOT NULL,
    position text NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    recipients uuid[] NOT NULL,
    reason text NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now()
  );`;
