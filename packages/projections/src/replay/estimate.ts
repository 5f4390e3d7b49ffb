/**
 * How far a rebuild has come, estimated from positions alone. Positions are opaque to
 * projections, but both adapters write them as two 16-hex-digit counters of which the
 * second grows with the log (PostgreSQL: the global sequence; EventStoreDB: the prepare
 * position), which is enough for a progress bar. Anything else shows no estimate.
 */
const pattern = /^[0-9a-f]{16}-([0-9a-f]{16})$/;

function counter(position: string): number | undefined {
  const match = pattern.exec(position);
  return match?.[1] ? Number.parseInt(match[1], 16) : undefined;
}

export interface Span {
  /** Estimated total, in the counter's units; undefined when positions say nothing. */
  readonly total: number | undefined;
  done(position: string): number | undefined;
}

export function span(from: string, head: string): Span {
  const start = from === '' ? 0 : counter(from);
  const end = counter(head);
  if (start === undefined || end === undefined || end <= start) return { total: undefined, done: () => undefined };
  return {
    total: end - start,
    done: (position) => {
      const at = counter(position);
      return at === undefined ? undefined : Math.min(end, Math.max(start, at)) - start;
    },
  };
}
