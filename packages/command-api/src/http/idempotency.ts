import type { Middleware } from 'koa';
import { HeraldError } from '../errors.js';
import { derivedIds, fingerprintOf, idempotencyHeader, idempotencyKeyOf } from '../idempotency/request.js';
import type { IdempotencyStore, StoredAnswer } from '../idempotency/store.js';
import type { PipelineOptions } from '../pipeline.js';
import type { HeraldContext, HeraldState } from './context.js';
import { positionHeader } from './read-side.js';
import type { Services } from './services.js';

/** A retry's answer: the first one's status, body and position, marked as replayed. */
function replay(ctx: HeraldContext, answer: StoredAnswer): void {
  if (answer.position !== null) ctx.set(positionHeader, answer.position);
  ctx.set('Idempotent-Replayed', 'true');
  ctx.status = answer.status;
  ctx.type = 'application/json';
  ctx.body = answer.body;
}

/**
 * `Idempotency-Key` on a command route. The first request with a key claims it and runs
 * with ids derived from it; a 2xx answer is kept for IDEMPOTENCY_TTL_SECONDS and given
 * to every retry. Errors are not kept (nothing was applied): a retry runs again. The
 * same key on a different request is 422; while the first still runs, 409.
 * `scope` is whose keys these are: the acting user's, or everyone's (registration).
 */
export function idempotent(store: IdempotencyStore, scope: 'user' | 'anonymous'): Middleware<HeraldState> {
  return async (ctx, next) => {
    const key = idempotencyKeyOf(ctx.get(idempotencyHeader));
    const owner = scope === 'anonymous' ? 'anonymous' : ctx.state.userId;
    // No key, or no user (the route answers 401): there is nothing to keep.
    if (key === undefined || owner === undefined) {
      await next();
      return;
    }
    const fingerprint = fingerprintOf(ctx.method, ctx.path, ctx.request.body);
    const claim = await store.claim(owner, key, fingerprint);
    if (claim.kind !== 'claimed' && claim.fingerprint !== fingerprint) {
      throw new HeraldError('idempotency_key_reused', `this ${idempotencyHeader} was used for a different request (method, path or body); use a new key`);
    }
    if (claim.kind === 'running') throw new HeraldError('idempotency_key_in_use', undefined, 1);
    if (claim.kind === 'done') return replay(ctx, claim.answer);
    ctx.state.ids = derivedIds(owner, key, fingerprint);
    try {
      await next();
    } catch (error) {
      // The route's error is the answer; a release that fails too leaves the claim to its lease.
      await claim.release().catch(() => undefined);
      throw error;
    }
    if (ctx.status < 200 || ctx.status >= 300) return claim.release();
    // Should Redis fail here, the client gets 503 and retries: the event store recognises
    // the retry's events by their derived ids, so it is still applied once.
    await claim.complete({ status: ctx.status, body: ctx.body, position: ctx.response.get(positionHeader) || null });
  };
}

/** The id of the aggregate a create makes: derived from the key when there is one. */
export function newEntityId(ctx: HeraldContext, services: Pick<Services, 'newId'>): string {
  return ctx.state.ids?.entity() ?? services.newId();
}

/** The pipeline options of this request's command: the event ids a key fixed, if any. */
export function pipelineOptions(ctx: HeraldContext, services: Pick<Services, 'pipeline'>, extra: PipelineOptions = {}): PipelineOptions {
  const eventId = ctx.state.ids?.event;
  return { ...services.pipeline, ...extra, ...(eventId ? { eventId } : {}) };
}
