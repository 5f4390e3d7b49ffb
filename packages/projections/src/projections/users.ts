import type pg from 'pg';
import { eventsOf, type Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { forRows, sql } from '../sql.js';
import { escapeLike, isUuid } from './values.js';

/** The OTUS User: no password hash, ever (it stays in the user's stream). */
export interface UserView {
  readonly id: string;
  readonly first_name: string;
  readonly second_name: string;
  readonly birthdate: string;
  readonly biography: string;
  readonly city: string;
}

export const usersProjection: Projection = {
  name: 'users',
  version: 1,
  handles: ['UserRegistered'],
  tables: ['users'],
  reads: [],
  replayable: true,
  // Names are compared lower-cased and byte-wise (COLLATE "C"), which lets a btree
  // serve `LIKE 'prefix%'` and the result order from one index range scan.
  ddl: `
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      first_name text NOT NULL,
      second_name text NOT NULL,
      birthdate date NOT NULL,
      biography text NOT NULL,
      city text NOT NULL
    );
    CREATE INDEX users_name_prefix ON users ((lower(first_name) COLLATE "C"), (lower(second_name) COLLATE "C"), id);`,
  project(run) {
    const users = eventsOf(run, 'UserRegistered').map((e) => e.event.data);
    return forRows(users, () => sql(
      `INSERT INTO users (id, first_name, second_name, birthdate, biography, city)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[])
       ON CONFLICT (id) DO NOTHING`,
      users.map((u) => u.userId), users.map((u) => u.firstName), users.map((u) => u.secondName),
      users.map((u) => u.birthdate), users.map((u) => u.biography), users.map((u) => u.city),
    ));
  },
};

const columns = `id::text AS id, first_name, second_name, to_char(birthdate, 'YYYY-MM-DD') AS birthdate, biography, city`;

export async function getUser(pool: pg.Pool, id: string): Promise<UserView | null> {
  if (!isUuid(id)) return null;
  const result = await pool.query<UserView>(`SELECT ${columns} FROM ${liveSchema}.users WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** Users whose first and second names start with the given prefixes, case-insensitively. */
export async function searchUsers(pool: pg.Pool, firstNamePrefix: string, lastNamePrefix: string, limit: number): Promise<UserView[]> {
  const result = await pool.query<UserView>(
    `SELECT ${columns} FROM ${liveSchema}.users
     WHERE lower(first_name) COLLATE "C" LIKE $1 AND lower(second_name) COLLATE "C" LIKE $2
     ORDER BY lower(first_name) COLLATE "C", lower(second_name) COLLATE "C", id
     LIMIT $3`,
    [`${escapeLike(firstNamePrefix.toLowerCase())}%`, `${escapeLike(lastNamePrefix.toLowerCase())}%`, limit],
  );
  return result.rows;
}
