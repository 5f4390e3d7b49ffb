// What one stretch of load with a fault comes to: what the clients saw (accepted posts,
// notifications owed, received, lost, doubled), what the log holds (each accepted post
// once), the read models against a rebuild, and how long until deliveries were on time again.
import { createPostgresPool } from '@herald/kit';
import type { ReadModelCheck } from './read-model-check.js';
import type { DeliveryFigures, GeneratorOutcome, ProbeLedger } from './system.js';

export interface FaultFigures extends Record<string, number> {
  readonly accepted: number;
  readonly notAccepted: number;
  readonly retried: number;
  readonly keyInUseAnswers: number;
  readonly expected: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly acceptedMissingFromLog: number;
  readonly postsTwiceInLog: number;
  readonly readModelsEqual: number;
  readonly recoverySeconds: number;
  readonly lateDeliveries: number;
  readonly socketsOpen: number;
  readonly deliveryP50Ms: number;
  readonly deliveryP99Ms: number;
  readonly deliveryMaxMs: number;
}

export interface FaultOutcome {
  readonly figures: FaultFigures;
  readonly deliveryP99Ms: number;
  readonly readModelDifferences: string;
  /** What else the run saw that a reader of the table should know. */
  readonly note: string;
  /** A loss the fault causes by design, with the reason docs/operations.md gives. */
  readonly byDesign?: string;
  /** One line for the log. */
  readonly line: string;
}

export interface Measured {
  readonly outcome: GeneratorOutcome;
  readonly figures: DeliveryFigures;
  readonly ledger: ProbeLedger;
  readonly injectedAt: number;
  readonly liftedAt: number;
  readonly lateMs: number;
  readonly sockets: number;
  readonly readModels: ReadModelCheck;
  readonly databaseUrl: string;
  readonly expectedPerPost: number;
  /** The notifiers' catch-ups from history during the stretch, by outcome (recovered, history_unavailable, ...). */
  readonly catchUps: ReadonlyMap<string, number>;
}

/** How many times each probe post is in the posts read model (equal to a rebuild from the log), by sequence number. */
async function postsInLog(databaseUrl: string): Promise<Map<number, number>> {
  const pool = createPostgresPool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ seq: number; n: number }>(
      `SELECT split_part(text, ' ', 2)::int AS seq, count(*)::int AS n FROM read_models.posts WHERE text LIKE 'probe %' GROUP BY 1`);
    return new Map(rows.map((r) => [r.seq, r.n]));
  } finally {
    await pool.end();
  }
}

/**
 * Recovery: from when the fault was lifted to the arrival of the last delivery that came
 * late, i.e. more than `lateMs` after its post was due (0 when none did). A post whose
 * command waited for the fault counts: its delivery is late too.
 */
function recoveryMs(m: Measured): { ms: number; late: number } {
  let lastLate = Number.NEGATIVE_INFINITY;
  let late = 0;
  for (const seq of m.outcome.posted.keys()) {
    const due = m.outcome.dueOf(seq);
    for (const latency of m.ledger.arrivalsOf(seq)) {
      if (latency <= m.lateMs) continue;
      late += 1;
      lastLate = Math.max(lastLate, due + latency);
    }
  }
  return { ms: late === 0 ? 0 : Math.max(0, lastLate - m.liftedAt), late };
}

/** Which posts lost deliveries, and when they were due against the fault: the evidence a loss needs. */
function lostPosts(m: Measured): string {
  const lost = [...m.outcome.posted.keys()].filter((seq) => m.ledger.arrivalsOf(seq).length < m.expectedPerPost);
  if (lost.length === 0) return '';
  const at = lost.map((seq) => (m.outcome.dueOf(seq) - m.injectedAt) / 1000);
  const none = lost.filter((seq) => m.ledger.arrivalsOf(seq).length === 0).length;
  return `${lost.length} posts lost deliveries (${none} reached no socket), due ${Math.min(...at).toFixed(1)} to ${Math.max(...at).toFixed(1)} s after the fault was done (lifted at ${((m.liftedAt - m.injectedAt) / 1000).toFixed(1)} s)`;
}

/** Catch-ups that could not recover a socket's gap are where a socket left open loses posts silently. */
function catchUpNote(catchUps: ReadonlyMap<string, number>): string {
  const counts = [...catchUps].filter(([, n]) => n > 0);
  return counts.length === 0 ? '' : `catch-ups from history: ${counts.map(([outcome, n]) => `${n} ${outcome}`).join(', ')}`;
}

export async function measure(m: Measured): Promise<FaultOutcome> {
  const inLog = await postsInLog(m.databaseUrl);
  const accepted = [...m.outcome.posted.keys()];
  const recovery = recoveryMs(m);
  const figures: FaultFigures = {
    accepted: m.outcome.answered, notAccepted: m.outcome.failed, retried: m.outcome.retried, keyInUseAnswers: m.outcome.keyInUse,
    expected: m.figures.expected, delivered: m.figures.deliveries, lost: m.figures.lost, duplicated: m.figures.duplicated,
    acceptedMissingFromLog: accepted.filter((seq) => !inLog.has(seq)).length,
    postsTwiceInLog: accepted.filter((seq) => (inLog.get(seq) ?? 0) > 1).length,
    readModelsEqual: m.readModels.equal ? 1 : 0,
    recoverySeconds: recovery.ms / 1000, lateDeliveries: recovery.late,
    socketsOpen: m.sockets,
    deliveryP50Ms: m.figures.p50Ms, deliveryP99Ms: m.figures.p99Ms, deliveryMaxMs: m.figures.maxMs,
  };
  const note = [
    lostPosts(m),
    figures.notAccepted > 0 ? `${figures.notAccepted} posts not accepted` : '',
    figures.acceptedMissingFromLog > 0 ? `${figures.acceptedMissingFromLog} accepted posts not in the log` : '',
    figures.retried > 0 ? `${figures.retried} posts retried` : '',
    figures.keyInUseAnswers > 0 ? `${figures.keyInUseAnswers} retries answered 409 key in use` : '',
    catchUpNote(m.catchUps),
    `outage ${((m.liftedAt - m.injectedAt) / 1000).toFixed(1)} s`,
  ].filter(Boolean).join(', ');
  const readModelDifferences = m.readModels.differences.map((d) => `${d.table}: ${d.onlyLive} rows only live, ${d.onlyRebuilt} only rebuilt`).join(', ');
  return {
    figures, deliveryP99Ms: m.figures.p99Ms, readModelDifferences, note,
    line: `${figures.accepted}/${m.outcome.offered} posts accepted (${figures.retried} after retries); ${figures.delivered}/${figures.expected} delivered, `
      + `lost ${figures.lost}, duplicated ${figures.duplicated}, twice in the log ${figures.postsTwiceInLog}; read models ${m.readModels.equal ? 'equal to' : `DIFFER from (${readModelDifferences})`} a rebuild; `
      + `recovery ${figures.recoverySeconds.toFixed(1)} s (${figures.lateDeliveries} late deliveries); delivery p99 ${figures.deliveryP99Ms.toFixed(0)} ms, max ${figures.deliveryMaxMs.toFixed(0)} ms; ${note}`,
  };
}
