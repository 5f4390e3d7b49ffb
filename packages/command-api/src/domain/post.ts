import type { HeraldEvent, PostEvent } from '@herald/contracts';
import { CommandRefused } from './refusals.js';
import type { CommandMetadata, Decider } from './decider.js';
import { eventMetadata, unreachable } from './decider.js';

/** Stream `post-<id>`: authorship, text and deletion of one post. */
export type PostState =
  | { readonly status: 'none' }
  | { readonly status: 'live'; readonly authorId: string; readonly text: string }
  | { readonly status: 'deleted'; readonly authorId: string };

export interface CreatePost {
  readonly type: 'CreatePost';
  readonly data: { readonly postId: string; readonly authorId: string; readonly text: string };
  readonly metadata: CommandMetadata;
}

export interface UpdatePost {
  readonly type: 'UpdatePost';
  /** `userId` is the user who acts (from the session). */
  readonly data: { readonly postId: string; readonly userId: string; readonly text: string };
  readonly metadata: CommandMetadata;
}

export interface DeletePost {
  readonly type: 'DeletePost';
  readonly data: { readonly postId: string; readonly userId: string };
  readonly metadata: CommandMetadata;
}

export type PostCommand = CreatePost | UpdatePost | DeletePost;

const initialState: PostState = { status: 'none' };

function evolve(state: PostState, event: PostEvent): PostState {
  switch (event.type) {
    case 'PostCreated':
    case 'PostUpdated':
      return { status: 'live', authorId: event.data.authorId, text: event.data.text };
    case 'PostDeleted':
      return { status: 'deleted', authorId: event.data.authorId };
    default:
      return unreachable(event);
  }
}

/** The live post the user may change, or the refusal: unknown or deleted is 404, someone else's is 403. */
function guardAuthor(state: PostState, postId: string, userId: string): Extract<PostState, { status: 'live' }> {
  if (state.status !== 'live') throw new CommandRefused('post_not_found', `post ${postId} not found`);
  if (state.authorId !== userId) throw new CommandRefused('not_post_author');
  return state;
}

function createPost(command: CreatePost, state: PostState): PostEvent[] {
  // Post ids are fresh UUIDv7s; a used one means a broken id source, not a user error.
  if (state.status !== 'none') throw new Error(`post id ${command.data.postId} is already taken`);
  return [{ type: 'PostCreated', data: { ...command.data }, metadata: eventMetadata('PostCreated', command.metadata) }];
}

function updatePost(command: UpdatePost, state: PostState): PostEvent[] {
  const { postId, userId, text } = command.data;
  const post = guardAuthor(state, postId, userId);
  if (post.text === text) return [];
  return [{ type: 'PostUpdated', data: { postId, authorId: userId, text }, metadata: eventMetadata('PostUpdated', command.metadata) }];
}

function deletePost(command: DeletePost, state: PostState): PostEvent[] {
  const { postId, userId } = command.data;
  guardAuthor(state, postId, userId);
  return [{ type: 'PostDeleted', data: { postId, authorId: userId }, metadata: eventMetadata('PostDeleted', command.metadata) }];
}

function decide(command: PostCommand, state: PostState): PostEvent[] {
  switch (command.type) {
    case 'CreatePost':
      return createPost(command, state);
    case 'UpdatePost':
      return updatePost(command, state);
    case 'DeletePost':
      return deletePost(command, state);
    default:
      return unreachable(command);
  }
}

function accepts(event: HeraldEvent): event is PostEvent {
  return event.type === 'PostCreated' || event.type === 'PostUpdated' || event.type === 'PostDeleted';
}

export const postDecider: Decider<PostState, PostCommand, PostEvent> = { initialState, accepts, evolve, decide };
