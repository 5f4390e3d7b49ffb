import type { Middleware } from 'koa';
import { koaBody } from 'koa-body';
import { HeraldError } from '../errors.js';
import type { HeraldState } from './context.js';

/**
 * JSON bodies only: a request that carries a body of any other type is 415, a body
 * over the limit 413 (raw-body stops reading there), malformed JSON 400. Body-less
 * PUTs (friend set/delete, post delete) pass untouched.
 */
export function jsonBody(limitBytes: number): Middleware<HeraldState> {
  const parse = koaBody({
    json: true,
    jsonStrict: true,
    jsonLimit: limitBytes,
    urlencoded: false,
    text: false,
    multipart: false,
    encoding: 'utf-8',
  });
  return async (ctx, next) => {
    const hasBody = (ctx.request.length ?? 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !ctx.is('application/json')) throw new HeraldError('unsupported_media_type');
    if (hasBody && ctx.request.length !== undefined && ctx.request.length > limitBytes) {
      // Refused from the header alone, before a byte of the body is read.
      throw new HeraldError('payload_too_large', `the body is larger than ${limitBytes} bytes`);
    }
    await parse(ctx, next);
  };
}
