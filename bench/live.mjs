// The client side of bench/live: N subscribers over the instances, M posts published through
// them in turn, and the figures. Each post's title carries its number; the time its
// publication was sent is kept here, so each receipt gives a latency on one clock.
//
//   node bench/live.mjs N M base1,base2 pid1,pid2 email password
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('./.node/', import.meta.url));
const WebSocket = require('ws');

const [n, m, baseList, pidList, email, password] = process.argv.slice(2);
const subscribers = Number(n);
const posts = Number(m);
const bases = baseList.split(',');
const pids = pidList.split(',');

const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function graphql(base, query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/graphql`, {
    method: 'POST', headers, body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const signedIn = await graphql(bases[0],
  'mutation ($input: SignInInput!) { signIn(input: $input) { token } }',
  { input: { email, password } });
const token = signedIn.signIn.token;
const secretariat = (await graphql(bases[0],
  '{ organisation(slug: "asean-secretariat") { id } }')).organisation.id;
const cursor = (await graphql(bases[0], '{ liveCursor }')).liveCursor;

// Subscribers, opened 200 at a time, each resuming from the same cursor so that none misses a
// post however late its subscription starts.
const sentAt = new Map(); // post number -> when its publication was sent
const latencies = [];
let delivered = 0;
let duplicates = 0;
let outOfOrder = 0;
let errors = 0;
const sockets = [];
function open(i) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${bases[i % bases.length].replace('http', 'ws')}/graphql`,
      'graphql-transport-ws');
    let last = -1;
    const seen = new Set();
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data) => {
      const message = JSON.parse(data);
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: {
          query: 'subscription ($after: String) { postPublished(after: $after) { post { title } } }',
          variables: { after: cursor } } }));
        resolve();
      } else if (message.type === 'next') {
        const now = Date.now();
        const seq = Number(message.payload.data.postPublished.post.title.split(' ')[1]);
        if (seen.has(seq)) {
          duplicates += 1;
          return;
        }
        seen.add(seq);
        delivered += 1;
        if (seq < last) outOfOrder += 1;
        last = seq;
        latencies.push(now - sentAt.get(seq));
      } else if (message.type === 'error' || message.type === 'complete') {
        errors += 1;
      }
    });
    socket.on('error', reject);
    sockets.push(socket);
  });
}

const idleBefore = pids.map(rssKib);
const openedAt = Date.now();
for (let i = 0; i < subscribers; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, subscribers - i) }, (_, k) => open(i + k)));
}
const openSeconds = (Date.now() - openedAt) / 1000;
await sleep(2000);
const idleAfter = pids.map(rssKib);

for (let seq = 0; seq < posts; seq += 1) {
  const base = bases[seq % bases.length];
  const draft = await graphql(base,
    'mutation ($input: CreatePostInput!) { createPost(input: $input) { post { id } } }',
    { input: { organisationId: secretariat, kind: 'NEWS', visibility: 'PUBLIC', title: `live ${seq}` } }, token);
  const id = draft.createPost.post.id;
  sentAt.set(seq, Date.now());
  await graphql(base, 'mutation ($id: ID!) { publishPost(input: {postId: $id}) { post { id } } }',
    { id }, token);
  await sleep(100);
}

const expected = subscribers * posts;
const deadline = Date.now() + 120_000;
while (delivered < expected && Date.now() < deadline) await sleep(100);
await sleep(1000); // anything sent twice would arrive now

latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
const perSubscriber = idleAfter.reduce((a, b) => a + b, 0) - idleBefore.reduce((a, b) => a + b, 0);

console.log(`instances ${bases.length}, subscribers ${subscribers}, posts ${posts}`);
console.log(`opened in ${openSeconds.toFixed(1)} s; server RSS ${idleBefore.map((k) => (k / 1024).toFixed(0)).join('+')} MiB -> ` +
  `${idleAfter.map((k) => (k / 1024).toFixed(0)).join('+')} MiB idle, ` +
  `${(perSubscriber / subscribers).toFixed(1)} KiB per idle subscriber`);
console.log(`delivered ${delivered}/${expected}, duplicates ${duplicates}, ` +
  `out of order ${outOfOrder}, subscription errors ${errors}`);
console.log(`latency publish -> receipt: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${latencies.at(-1)} ms`);
if (delivered !== expected || duplicates || outOfOrder || errors) {
  console.log('!!! NOT every event was delivered exactly once and in order');
  process.exitCode = 1;
}
for (const socket of sockets) socket.terminate();
