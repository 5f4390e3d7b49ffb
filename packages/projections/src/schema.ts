/**
 * Where read models live. Live tables are in `read_models`; a rebuild builds fresh
 * ones in `read_models_build` and moves them in. Each schema has its own checkpoint
 * table, so a half-built rebuild never touches what the projector reads.
 */
export const liveSchema = 'read_models';
export const buildSchema = 'read_models_build';
/** Where a rebuild moves the tables it replaces, dropped right after the swap. */
export const retiredSchema = 'read_models_retired';

/** Held by every live batch and by the last steps of a rebuild, so a swap never interleaves with a batch. */
export const liveLockKey = "hashtext('herald.projections.live')";

export const checkpointsDdl = `
  CREATE TABLE projection_checkpoints (
    projection text PRIMARY KEY,
    version integer NOT NULL,
    position text COLLATE "C" NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );`;
