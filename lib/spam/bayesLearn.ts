// Learning and forgetting: each message is remembered by a content hash per scope
// (bayes_learned), so learning the same message twice is a no-op, relearning it as the other
// class moves its counts, and forget() undoes exactly. One transaction writes a whole batch,
// over any number of scopes, and ends by logging the count changes (bayesLog.ts) that every
// process's in-memory counts catch up from.
import { type Db, isMysql, invalid, isUniqueViolation } from '../core';
import { parseForScoring, messageHash, type ParsedMessage } from './parse';
import { scopeKey, tokenIds, dayNumber, TOTAL_TOKEN, type BayesClass, type BayesOptions } from './bayes';
import { logDeltas, purgeChanges, type Delta } from './bayesLog';

export interface LearnItem {
  raw: Buffer;
  /** null = forget */
  cls: BayesClass | null;
  /** `raw` as already parsed with the same limits (spares parsing it again) */
  parsed?: ParsedMessage;
}

export interface LearnOutcome {
  /** what the message was learned as before (null: not learned) */
  previous: BayesClass | null;
  /** counts changed */
  changed: boolean;
  /** onlyNew: the scope where it was already learned (so it was left alone) */
  learnedIn?: string;
}

/** A message ready to be learned: its scope key, content hash and token ids. */
export interface PreparedLesson {
  scope: string;
  hash: string;
  ids: string[];
  cls: BayesClass | null;
}

/** What a lesson is made of: a parsed message, or its hash and token ids already computed (by the rule thread). */
export type LessonSource = ParsedMessage | { hash: string; ids: string[] };

/** What learning a message takes (its hash and token ids), for learnPrepared. */
export function prepareLesson(msg: LessonSource, cls: BayesClass | null, scope: string): PreparedLesson {
  if ('ids' in msg) return { scope, hash: msg.hash, ids: msg.ids, cls };
  return { scope, hash: messageHash(msg), ids: tokenIds(msg), cls };
}

function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'ER_LOCK_DEADLOCK' || e?.code === 'ER_LOCK_WAIT_TIMEOUT' || e?.code === 'SQLITE_BUSY' || /deadlock|database is locked/i.test(e?.message ?? '');
}

/**
 * Learns or forgets a batch of messages in one transaction (bulk training uses batches of a
 * few hundred). Each item's outcome is returned in order. Items with the same content in
 * one batch: the last one wins.
 */
export async function learnMany(db: Db, items: LearnItem[], opts: BayesOptions = {}): Promise<LearnOutcome[]> {
  const scope = scopeKey(opts.scope);
  const prepared = items.map((it): PreparedLesson => {
    if (it.cls !== null && it.cls !== 'spam' && it.cls !== 'ham') throw invalid('class', `learn as spam or ham, not ${String(it.cls)}`);
    const msg = it.parsed ?? parseForScoring(it.raw, opts.limits);
    return { scope, hash: messageHash(msg), ids: tokenIds(msg, opts.tokenize), cls: it.cls };
  });
  return learnPrepared(db, prepared);
}

/**
 * learnMany for prepared lessons, each in its own scope. onlyNew (auto-learning): a message
 * already learned in its scope or globally is left alone, whatever it was learned as.
 */
export async function learnPrepared(db: Db, prepared: PreparedLesson[], opts: { onlyNew?: boolean } = {}): Promise<LearnOutcome[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await db.transaction((trx) => applyBatch(trx, prepared, !!opts.onlyNew));
      await purgeChanges(db).catch(() => undefined); // soft state: the next learner retries
      return out;
    } catch (err) {
      // concurrent learners (several nodes): a deadlock, or the same new message inserted twice
      if (attempt < 3 && (isDeadlock(err) || isUniqueViolation(err))) {
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (attempt + 1)));
        continue;
      }
      throw err;
    }
  }
}

const keyOf = (scope: string, hash: string) => `${scope} ${hash}`;

async function applyBatch(trx: Db, prepared: PreparedLesson[], onlyNew: boolean): Promise<LearnOutcome[]> {
  const mysql = isMysql(trx);
  const scopes = [...new Set(prepared.map((p) => p.scope))];
  const hashes = [...new Set(prepared.map((p) => p.hash))];
  const known = new Map<string, BayesClass>();
  for (let i = 0; i < hashes.length; i += 500) {
    let q = trx('bayes_learned').select('scope', 'msg_hash', 'class').whereIn('scope', onlyNew ? [...new Set([...scopes, 'global'])] : scopes).whereIn('msg_hash', hashes.slice(i, i + 500));
    // moving counts needs the rows locked; onlyNew only inserts (a message inserted meanwhile
    // by another node makes our insert fail, and the retry then finds it)
    if (mysql && !onlyNew) q = q.forUpdate();
    for (const r of (await q) as { scope: string; msg_hash: string; class: BayesClass }[]) known.set(keyOf(r.scope, r.msg_hash), r.class);
  }
  // per scope, per token: [spam, ham]
  const deltas = new Map<string, Delta>();
  const bump = (scope: string, ids: string[], cls: BayesClass, by: number) => {
    let delta = deltas.get(scope);
    if (!delta) deltas.set(scope, (delta = new Map()));
    const k = cls === 'spam' ? 0 : 1;
    const add = (id: string) => {
      const d = delta!.get(id);
      if (d) d[k] += by;
      else delta!.set(id, k === 0 ? [by, 0] : [0, by]);
    };
    add(TOTAL_TOKEN);
    for (let i = 0; i < ids.length; i++) add(ids[i]);
  };
  const outcomes: LearnOutcome[] = [];
  const state = new Map(known);
  const rows = new Map<string, { scope: string; hash: string; cls: BayesClass | null }>();
  for (const p of prepared) {
    const key = keyOf(p.scope, p.hash);
    if (onlyNew) {
      const there = state.has(key) ? p.scope : state.has(keyOf('global', p.hash)) ? 'global' : null;
      if (there) {
        outcomes.push({ previous: state.get(keyOf(there, p.hash))!, changed: false, learnedIn: there });
        continue;
      }
    }
    const previous = state.get(key) ?? null;
    if (previous === p.cls) {
      outcomes.push({ previous, changed: false });
      continue;
    }
    if (previous) bump(p.scope, p.ids, previous, -1);
    if (p.cls) {
      bump(p.scope, p.ids, p.cls, +1);
      state.set(key, p.cls);
    } else state.delete(key);
    rows.set(key, { scope: p.scope, hash: p.hash, cls: p.cls });
    outcomes.push({ previous, changed: true });
  }
  await rememberClasses(trx, rows, known);
  await applyCounts(trx, deltas, mysql);
  // last: the change's id is taken just before commit, so readers seldom see ids out of order
  await logDeltas(trx, deltas);
  return outcomes;
}

/** bayes_learned: what each message is now learned as in its scope. */
async function rememberClasses(trx: Db, rows: Map<string, { scope: string; hash: string; cls: BayesClass | null }>, known: Map<string, BayesClass>): Promise<void> {
  const dels = new Map<string, string[]>();
  const fresh: { scope: string; msg_hash: string; class: BayesClass }[] = [];
  for (const [key, r] of rows) {
    if (!r.cls) {
      if (known.has(key)) push(dels, r.scope, r.hash);
    } else if (known.has(key)) await trx('bayes_learned').where({ scope: r.scope, msg_hash: r.hash }).update({ class: r.cls, learned_at: trx.fn.now() });
    else fresh.push({ scope: r.scope, msg_hash: r.hash, class: r.cls });
  }
  for (const [scope, hashes] of dels) {
    for (let i = 0; i < hashes.length; i += 500) await trx('bayes_learned').where('scope', scope).whereIn('msg_hash', hashes.slice(i, i + 500)).del();
  }
  for (let i = 0; i < fresh.length; i += 300) await trx('bayes_learned').insert(fresh.slice(i, i + 300));
}

/** bayes_tokens: increments as upserts, decrements as clamped updates, then empty rows dropped. */
async function applyCounts(trx: Db, deltas: Map<string, Delta>, mysql: boolean): Promise<void> {
  const today = dayNumber(Date.now());
  // the rows of each statement written as they come (no object per row: tens of them per
  // learned message, in the SMTP thread), in one order everywhere (scope, token), so that
  // concurrent batches lock rows alike
  const values: string[] = [];
  for (const scope of [...deltas.keys()].sort()) {
    const delta = deltas.get(scope)!;
    for (const token of [...delta.keys()].sort()) {
      const [ds, dh] = delta.get(token)!;
      if (ds <= 0 && dh <= 0) continue;
      values.push(upsertRow(scope, token, Math.max(ds, 0), Math.max(dh, 0), today));
      if (values.length === 400) await trx.raw(upsertSql(values.splice(0), mysql));
    }
  }
  if (values.length) await trx.raw(upsertSql(values, mysql));
  for (const scope of [...deltas.keys()].sort()) {
    const downs = new Map<string, string[]>(); // "spam:1" -> tokens
    for (const [token, [ds, dh]] of deltas.get(scope)!) {
      if (ds < 0) push(downs, `spam:${-ds}`, token);
      if (dh < 0) push(downs, `ham:${-dh}`, token);
    }
    const touched = new Set<string>();
    for (const [key, tokens] of downs) {
      const [col, n] = key.split(':');
      const by = Number(n);
      tokens.sort();
      for (let i = 0; i < tokens.length; i += 500) {
        await trx('bayes_tokens')
          .where('scope', scope)
          .whereIn('token', tokens.slice(i, i + 500))
          .update({ [col]: trx.raw(`CASE WHEN ?? >= ? THEN ?? - ? ELSE 0 END`, [col, by, col, by]) });
      }
      for (const t of tokens) touched.add(t);
    }
    const emptied = [...touched];
    for (let i = 0; i < emptied.length; i += 500) {
      await trx('bayes_tokens').where('scope', scope).whereIn('token', emptied.slice(i, i + 500)).andWhere('spam', 0).andWhere('ham', 0).del();
    }
  }
}

const SAFE_SCOPE = /^(?:global|domain:\d+)$/;
const SAFE_TOKEN = /^(?:[0-9a-f]{1,32}|\*)$/;

/**
 * The upsert of token counts as one statement with its values inlined: they are all ours (scope
 * keys, hex token ids, whole numbers: nothing to escape), checked all the same. Knex spent
 * ~1.2 µs a row compiling it, ~150 rows a learned message, in the SMTP thread.
 */
function upsertRow(scope: string, token: string, spam: number, ham: number, day: number): string {
  if (!SAFE_SCOPE.test(scope) || !SAFE_TOKEN.test(token) || !Number.isSafeInteger(spam) || !Number.isSafeInteger(ham) || !Number.isSafeInteger(day)) {
    throw new Error(`Bayes token row not ours: ${JSON.stringify({ scope, token, spam, ham, day })}`);
  }
  return `('${scope}','${token}',${spam},${ham},${day})`;
}

/** The upsert of rows made by upsertRow. */
function upsertSql(values: string[], mysql: boolean): string {
  const update = mysql
    ? 'ON DUPLICATE KEY UPDATE spam = spam + VALUES(spam), ham = ham + VALUES(ham), learned_day = VALUES(learned_day)'
    : 'ON CONFLICT (scope, token) DO UPDATE SET spam = bayes_tokens.spam + excluded.spam, ham = bayes_tokens.ham + excluded.ham, learned_day = excluded.learned_day';
  return `INSERT INTO bayes_tokens (scope, token, spam, ham, learned_day) VALUES ${values.join(',')} ${update}`;
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** Learns one message as spam or ham (a no-op when already learned as that class). */
export async function learn(db: Db, raw: Buffer, cls: BayesClass, opts: BayesOptions = {}): Promise<LearnOutcome> {
  if (cls !== 'spam' && cls !== 'ham') throw invalid('class', `learn as spam or ham, not ${String(cls)}`);
  return (await learnMany(db, [{ raw, cls }], opts))[0];
}

/** Undoes what learn() did for this message in this scope; `changed` false when it was not learned. */
export async function forget(db: Db, raw: Buffer, opts: BayesOptions = {}): Promise<LearnOutcome> {
  return (await learnMany(db, [{ raw, cls: null }], opts))[0];
}

/** What a message is learned as in a scope (null: not learned). */
export async function learnedAs(db: Db, raw: Buffer, opts: BayesOptions = {}): Promise<BayesClass | null> {
  const row = await db('bayes_learned').where({ scope: scopeKey(opts.scope), msg_hash: messageHash(parseForScoring(raw, opts.limits)) }).first('class');
  return (row?.class as BayesClass | undefined) ?? null;
}
