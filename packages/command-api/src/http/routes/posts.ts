import { postStream } from '@herald/contracts';
import type Router from '@koa/router';
import { postDecider } from '../../domain/post.js';
import { HeraldError } from '../../errors.js';
import { handleCommand } from '../../pipeline.js';
import { requireUser } from '../auth.js';
import type { HeraldState } from '../context.js';
import { awaitRequestedPosition, readModel } from '../read-side.js';
import { idempotent, newEntityId, pipelineOptions } from '../idempotency.js';
import { commandAnswered } from '../respond.js';
import type { Services } from '../services.js';
import { parse } from '../validation.js';

export function postRoutes(router: Router<HeraldState>, services: Services): void {
  const { store, schemas, readModels } = services;
  const metadata = (requestId: string) => ({ now: services.clock(), requestId });
  const keyed = idempotent(services.idempotency, 'user');

  router.post('/post/create', keyed, async (ctx) => {
    const { userId } = requireUser(ctx);
    const { text } = parse(schemas.postCreate, ctx.request.body, 'body');
    const postId = newEntityId(ctx, services);
    const command = { type: 'CreatePost', data: { postId, authorId: userId, text }, metadata: metadata(ctx.state.requestId) } as const;
    const outcome = await handleCommand(store, postDecider, postStream(postId), command, pipelineOptions(ctx, services, { freshStream: true }));
    // The OTUS contract answers the bare PostId (a JSON string).
    commandAnswered(ctx, outcome.position, postId);
  });

  router.put('/post/update', keyed, async (ctx) => {
    const { userId } = requireUser(ctx);
    const { id, text } = parse(schemas.postUpdate, ctx.request.body, 'body');
    const command = { type: 'UpdatePost', data: { postId: id, userId, text }, metadata: metadata(ctx.state.requestId) } as const;
    const outcome = await handleCommand(store, postDecider, postStream(id), command, pipelineOptions(ctx, services));
    commandAnswered(ctx, outcome.position, {});
  });

  router.put('/post/delete/:id', keyed, async (ctx) => {
    const { userId } = requireUser(ctx);
    const { id } = parse(schemas.postParams, ctx.params, 'id');
    const command = { type: 'DeletePost', data: { postId: id, userId }, metadata: metadata(ctx.state.requestId) } as const;
    const outcome = await handleCommand(store, postDecider, postStream(id), command, pipelineOptions(ctx, services));
    commandAnswered(ctx, outcome.position, {});
  });

  router.get('/post/get/:id', async (ctx) => {
    const { id } = parse(schemas.postParams, ctx.params, 'id');
    await awaitRequestedPosition(ctx, services);
    const post = await readModel(() => readModels.getPost(id));
    if (post === null) throw new HeraldError('post_not_found', `post ${id} not found`);
    ctx.body = post;
  });

  router.get('/post/feed', async (ctx) => {
    const { userId } = requireUser(ctx);
    const { offset, limit } = parse(schemas.feed, ctx.query, 'query');
    await awaitRequestedPosition(ctx, services);
    ctx.body = await readModel(() => readModels.getFeed(userId, offset, limit));
  });

  // Herald's extension: one author's posts, newest first (anyone may read a post by id, so anyone may list them).
  router.get('/post/list', async (ctx) => {
    const { author_id: authorId, offset, limit } = parse(schemas.postList, ctx.query, 'query');
    await awaitRequestedPosition(ctx, services);
    const posts = await readModel(() => readModels.listPostsByAuthor(authorId, offset, limit));
    if (posts.length === 0 && (await readModel(() => readModels.getUser(authorId))) === null) {
      throw new HeraldError('user_not_found', `user ${authorId} not found`);
    }
    ctx.body = posts;
  });
}
