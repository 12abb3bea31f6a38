// The load client for bench/colyseus/server.mjs: games/loadtest.py's bots, against
// Colyseus, through its own client SDK (@colyseus/sdk).
//
//     node bench/colyseus/loadtest.mjs --url ws://127.0.0.1:2567 --rooms 10 --seconds 15
//
// For each room a bot creates an `arena` room and the others join it by id; sockets open
// CONNECT_BATCH at a time. Once every bot is in (or gave up), "measuring ..." goes to
// stderr, a 3 s warm-up passes, and the figures count for --seconds: each bot sends an
// input every 50 ms (a direction held for 10 to 30 inputs; after a stall it sends the
// next at once and keeps time from there, no burst), and an input sent in the window
// counts when a state patch shows the bot's own `ack` at or past its seq. Every message
// a bot receives counts as a frame, by its WebSocket payload's length. One JSON line on
// stdout, with games/loadtest.py's `summary` keys computed as it computes them; bot
// errors as "bot error: ..." lines and progress once a second on stderr.

import { Client, Protocol } from "@colyseus/sdk";

// games/loadtest.py's constants (ms where it counts seconds).
const INPUT_INTERVAL = 50;
const DIRECTION_HELD = [10, 30];
const STALL_GRACE = 5000;
const CONNECT_BATCH = 20;
const CONNECT_TIMEOUT = 120000;
const CLIENT_BOUND = 0.8;
const WARMUP = 3000;
// A message's first byte is its protocol code, with modifier flags in its high 3 bits.
const PROTOCOL_CODE_MASK = 0x1f;

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const url = option("url", "ws://127.0.0.1:2567");
const rooms = Number(option("rooms", "10"));
const players = Number(option("players", "4"));
const seconds = Number(option("seconds", "15"));
const warmup = Number(option("warmup", String(WARMUP / 1000))) * 1000;

const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const randint = (low, high) => low + Math.floor(Math.random() * (high - low + 1));
const uniform = (low, high) => low + Math.random() * (high - low);

function percentile(values, fraction) {
  if (values.length === 0) return 0;
  const ordered = Float64Array.from(values).sort();
  return ordered[Math.min(ordered.length - 1, Math.ceil(fraction * ordered.length) - 1)];
}

// games/loadtest.py's Stats, times in ms from performance.now().
const stats = {
  latencies: [],
  frames: 0,
  bytes: 0,
  errors: 0,
  connected: 0,
  // Per room: [first patch count seen, its time, last patch count seen, its time].
  ticks: new Map(),
  measuredFrom: Infinity,
  stop: Infinity,
  toArrive: rooms * players,
  // Each bot's end of waiting for frames (STALL_GRACE after `stop`), once measuring.
  deadlines: [],
  everyoneIn: null,
};
let everyoneIn;
stats.everyoneIn = new Promise((resolve) => {
  everyoneIn = resolve;
});

function arrived() {
  stats.toArrive -= 1;
  if (stats.toArrive <= 0) everyoneIn();
}

function sawTick(room, tick, at) {
  const seen = stats.ticks.get(room);
  if (seen === undefined) {
    stats.ticks.set(room, [tick, at, tick, at]);
  } else if (tick > seen[2]) {
    seen[2] = tick;
    seen[3] = at;
  }
}

function tickRates() {
  const rates = [];
  for (const [first, firstAt, last, lastAt] of stats.ticks.values()) {
    if (lastAt > firstAt) rates.push((last - first) / ((lastAt - firstAt) / 1000));
  }
  return rates;
}

function botError(message) {
  stats.errors += 1;
  console.error(`bot error: ${message}`);
}

const client = new Client(url.replace(/^ws/, "http"));

// One bot: seat 0 creates its room (and hands its id to the others through `roomId`),
// the others join it by id. Resolves once its socket is closed.
async function bot(number, seat, roomId, created) {
  const sent = new Map();
  let acked = 0;
  let seq = 0;
  let isIn = false;
  let room;
  try {
    if (seat === 0) {
      room = await client.create("arena", { seats: players });
      created(room.roomId);
    } else {
      room = await client.joinById(await roomId);
    }
  } catch (error) {
    if (seat === 0) created(null);
    botError(`${error?.message ?? error}`);
    arrived();
    return;
  }
  // A dropped socket is an error of the run, not something to reconnect.
  room.reconnection.enabled = false;
  stats.connected += 1;
  isIn = true;
  arrived();
  const me = room.sessionId;
  // The room's tick, as the bots see it: patches received by its seat-0 bot.
  let patches = 0;

  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  let done = false;
  let sender;
  const end = () => {
    if (done) return;
    done = true;
    clearTimeout(sender);
    // Closing waits for the server's answer, as long as a stalled frame may.
    room.leave(true).then(() => finish());
    setTimeout(finish, STALL_GRACE).unref();
  };
  stats.deadlines.push(() => {
    if (!done) {
      botError("no frame before the end of the run");
      end();
    }
  });
  room.onMessage("error", (error) => {
    botError(`the server refused an input: ${JSON.stringify(error)}`);
  });
  room.onError((code, message) => botError(`room error ${code}: ${message}`));
  room.onLeave((code) => {
    if (!done) {
      botError(`left the room (${code}) before the end of the run`);
      done = true;
      clearTimeout(sender);
      finish();
    }
  });

  // Every message a bot receives is a frame: counted by its payload's length, before
  // the SDK decodes it, then read for the bot's ack once decoded.
  const events = room.connection.events;
  const dispatch = events.onmessage;
  events.onmessage = (event) => {
    const at = now();
    stats.frames += 1;
    stats.bytes += event.data.byteLength;
    const code = new Uint8Array(event.data, 0, 1)[0] & PROTOCOL_CODE_MASK;
    const patch = code === Protocol.ROOM_STATE_PATCH;
    dispatch(event);
    if (done) return;
    if (at >= stats.stop) {
      end();
      return;
    }
    if (patch && seat === 0) sawTick(number, ++patches, at);
    const ack = room.state.players?.get(me)?.ack ?? 0;
    while (acked < ack) {
      acked += 1;
      const sentAt = sent.get(acked);
      if (sentAt !== undefined) {
        sent.delete(acked);
        if (sentAt >= stats.measuredFrom) stats.latencies.push(at - sentAt);
      }
    }
  };

  let nextAt = now();
  let held = 0;
  let direction = [0, 0];
  const sendInput = () => {
    if (done) return;
    if (now() >= stats.stop) {
      // A room sends nothing once nobody steers and nothing changes: the answer to a
      // ping is the frame after the end that ends this bot's reading.
      room.ping(() => {});
      return;
    }
    seq += 1;
    if (held === 0) {
      held = randint(...DIRECTION_HELD);
      direction = [round(uniform(-1, 1), 3), round(uniform(-1, 1), 3)];
    }
    held -= 1;
    sent.set(seq, now());
    room.send("input", { seq, dir: direction });
    // Held up (an event loop that fell behind), a bot sends its next input at once and
    // keeps time from there: it does not send the missed ones in a burst.
    nextAt = Math.max(nextAt + INPUT_INTERVAL, now());
    sender = setTimeout(sendInput, nextAt - now());
  };
  sendInput();
  await finished;
  if (isIn) stats.connected -= 1;
}

// Once a second until stopped, like games/loadtest.py's _progress: the p99 of the inputs
// acknowledged in that second (sorting every latency so far would stall the bots).
function progress(started) {
  let reported = 0;
  return setInterval(() => {
    const recent = stats.latencies.slice(reported);
    reported += recent.length;
    console.error(
      `${((now() - started) / 1000).toFixed(0).padStart(5)}s connected=${stats.connected} ` +
        `frames=${stats.frames} p99 last second=${percentile(recent, 0.99).toFixed(0)}ms ` +
        `errors=${stats.errors}`,
    );
  }, 1000);
}

async function main() {
  const started = now();
  const bots = [];
  for (let number = 0; number < rooms; number++) {
    let created;
    const roomId = new Promise((resolve) => {
      created = resolve;
    });
    for (let seat = 0; seat < players; seat++) {
      bots.push(bot(number, seat, roomId, created));
      if (bots.length % CONNECT_BATCH === 0) await sleep(50);
    }
  }
  const reporting = progress(started);
  // Figures count from the end of the warm-up, which starts once every bot is in (or
  // gave up): connecting, first states and inputs sent meanwhile are left out.
  let timeout;
  await Promise.race([
    stats.everyoneIn,
    new Promise((_, reject) => {
      const late = () => reject(new Error("the bots did not connect in time"));
      timeout = setTimeout(late, CONNECT_TIMEOUT);
    }),
  ]);
  clearTimeout(timeout);
  const connectSeconds = (now() - started) / 1000;
  await sleep(warmup);
  stats.frames = 0;
  stats.bytes = 0;
  stats.ticks.clear();
  stats.measuredFrom = now();
  const cpuFrom = process.cpuUsage();
  stats.stop = stats.measuredFrom + seconds * 1000;
  console.error(`measuring for ${seconds} s (all in after ${connectSeconds.toFixed(1)} s)`);
  const deadline = setTimeout(() => {
    for (const expire of stats.deadlines) expire();
  }, seconds * 1000 + STALL_GRACE);
  await Promise.all(bots);
  clearTimeout(deadline);
  const spent = process.cpuUsage(cpuFrom);
  const ended = now();
  clearInterval(reporting);
  const elapsed = Math.max(1e-9, (Math.min(ended, stats.stop) - stats.measuredFrom) / 1000);
  const cpuSeconds = (spent.user + spent.system) / 1e6;
  const cpu = cpuSeconds / Math.max(1e-9, (ended - stats.measuredFrom) / 1000);
  const rates = tickRates();
  const clients = rooms * players;
  const latencies = stats.latencies;
  // games/loadtest.py's `summary` of one process.
  const result = {
    rooms,
    players: clients,
    bots: 0,
    seconds: round(elapsed, 1),
    connect_s: round(connectSeconds, 1),
    p50_ms: round(percentile(latencies, 0.5), 1),
    p95_ms: round(percentile(latencies, 0.95), 1),
    p99_ms: round(percentile(latencies, 0.99), 1),
    tick_hz: rates.length ? round(rates.reduce((a, b) => a + b, 0) / rates.length, 2) : 0,
    frames_per_s: round(stats.frames / elapsed, 1),
    bytes_per_client_s: round(stats.bytes / elapsed / Math.max(1, clients), 1),
    bytes_per_frame: round(stats.bytes / Math.max(1, stats.frames), 1),
    inputs_acked: latencies.length,
    errors: stats.errors,
    workers: 1,
    client_cpu: round(cpu, 2),
    client_cpu_busiest: round(cpu, 2),
    client_bound: cpu > CLIENT_BOUND,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
