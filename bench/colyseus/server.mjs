// Colyseus 0.18 serving the arena's workload, for bench/run.py --server colyseus.
//
//     node bench/colyseus/server.mjs --port 2567
//
// One room type, `arena`, that plays games/rules/arena.py's game as the load client
// plays it: 4 seats (or the `seats` its creator asks for), a tick every 50 ms (20 Hz)
// that applies the inputs queued since the last one, moves everyone 300 units a second
// along their held direction on a 1000 x 1000 field, and hands out the 30 pellets (a
// player within 28 units takes one: a point, and the pellet respawns elsewhere under a
// new key). The state is Colyseus's own: players by sessionId (position, direction,
// score and `ack`, the last input seq applied) and pellets by key, sent as schema
// patches every 50 ms (the patch rate: a timer of its own, armed after the simulation's
// so that each patch follows a tick). Where this differs from our arena:
// bench/README.md, "Colyseus beside us, in one run".

import { Room, Server } from "@colyseus/core";
import { schema, t } from "@colyseus/schema";
import { WebSocketTransport } from "@colyseus/ws-transport";

// games/rules/arena.py's constants.
const WIDTH = 1000;
const HEIGHT = 1000;
const PLAYER_RADIUS = 20;
const PELLET_RADIUS = 8;
const SPEED = 300;
const START_CIRCLE_RADIUS = 350;
const PELLET_MARGIN = PLAYER_RADIUS;
const PICKUP_DISTANCE = PLAYER_RADIUS + PELLET_RADIUS;
const PICKUP_DISTANCE_SQUARED = PICKUP_DISTANCE ** 2;
const PELLETS = 30;
// The arena's default tick rate, and the load client's room size unless it says.
const TICK_RATE = 20;
const TICK_MS = 1000 / TICK_RATE;
const SEATS = 4;

const Player = schema(
  {
    x: t.float32(),
    y: t.float32(),
    dx: t.float32(),
    dy: t.float32(),
    score: t.uint16(),
    ack: t.uint32(),
  },
  "Player",
);

const Pellet = schema({ x: t.uint16(), y: t.uint16() }, "Pellet");

const ArenaState = schema(
  { players: t.map(Player), pellets: t.map(Pellet) },
  "ArenaState",
);

// Python's round(value, 1) for the values here (no ties that matter).
const round1 = (value) => Math.round(value * 10) / 10;
const clamp = (value, low, high) => Math.min(Math.max(value, low), high);
const randint = (low, high) => low + Math.floor(Math.random() * (high - low + 1));

// arena.py's _parse_direction: two finite numbers in [-1, 1], shortened to length 1 at
// most, each cut toward zero to 3 decimals. Null when the direction is not one.
function parseDirection(value) {
  if (!Array.isArray(value) || value.length !== 2) return null;
  for (const component of value) {
    if (typeof component !== "number" || !Number.isFinite(component)) return null;
    if (component < -1 || component > 1) return null;
  }
  let [dx, dy] = value;
  const length = Math.hypot(dx, dy);
  if (length > 1) {
    dx /= length;
    dy /= length;
  }
  return [Math.trunc(dx * 1000) / 1000, Math.trunc(dy * 1000) / 1000];
}

class ArenaRoom extends Room {
  maxClients = SEATS;

  // `seats`: the room's size, from the client that creates it (the load client's
  // --players); 4 when it says none.
  onCreate(options) {
    const seats = Number.isInteger(options?.seats) && options.seats > 0 ? options.seats : SEATS;
    this.seats = seats;
    this.maxClients = seats;
    this.state = new ArenaState();
    // Inputs for the next tick, in arrival order: [client, seq, dir], as
    // games/engine/room.py queues them.
    this.queued = [];
    this.nextPellet = 0;
    this.seated = 0;
    for (let i = 0; i < PELLETS; i++) this.spawnPellet();
    this.onMessage("input", (client, message) => {
      this.queued.push([client, message?.seq, message?.dir]);
    });
    this.setSimulationInterval(() => this.tick(), TICK_MS);
    // The patch timer was armed before onCreate, so it would fire just before each
    // tick and every change would wait one more patch interval. Armed again after the
    // simulation's, it fires right after each tick (timers of the same interval run in
    // the order they were armed): a patch carries the tick just run, as our rooms send
    // their frames at the end of the tick.
    this.patchRate = TICK_MS;
  }

  onJoin(client) {
    // Evenly spaced around the centre by seat, as arena.py's setup places them.
    const angle = (2 * Math.PI * (this.seated++ % this.seats)) / this.seats;
    this.state.players.set(
      client.sessionId,
      new Player({
        x: round1(WIDTH / 2 + START_CIRCLE_RADIUS * Math.cos(angle)),
        y: round1(HEIGHT / 2 + START_CIRCLE_RADIUS * Math.sin(angle)),
        dx: 0,
        dy: 0,
        score: 0,
        ack: 0,
      }),
    );
  }

  onLeave(client) {
    this.state.players.delete(client.sessionId);
  }

  spawnPellet() {
    const key = String(this.nextPellet++);
    this.state.pellets.set(
      key,
      new Pellet({
        x: randint(PELLET_MARGIN, WIDTH - PELLET_MARGIN),
        y: randint(PELLET_MARGIN, HEIGHT - PELLET_MARGIN),
      }),
    );
  }

  tick() {
    this.applyInputs();
    // Positions advance one tick's time each tick (not the measured wall-clock delta),
    // as arena.py computes them from tick numbers.
    const step = SPEED / TICK_RATE;
    for (const player of this.state.players.values()) {
      if (player.dx === 0 && player.dy === 0) continue;
      player.x = clamp(player.x + player.dx * step, PLAYER_RADIUS, WIDTH - PLAYER_RADIUS);
      player.y = clamp(player.y + player.dy * step, PLAYER_RADIUS, HEIGHT - PLAYER_RADIUS);
    }
    this.collectPellets();
  }

  // games/engine/room.py's _apply_inputs: a seq that does not count up is refused and
  // not acked; a direction the rules refuse is answered with an error and acked.
  applyInputs() {
    const inputs = this.queued;
    this.queued = [];
    const players = this.state.players;
    for (const [client, seq, dir] of inputs) {
      const player = players.get(client.sessionId);
      if (player === undefined) continue;
      if (!Number.isInteger(seq) || seq <= player.ack) {
        client.send("error", { code: "stale_seq", seq });
        continue;
      }
      const direction = parseDirection(dir);
      if (direction === null) {
        client.send("error", { code: "bad_direction", seq });
      } else {
        [player.dx, player.dy] = direction;
      }
      player.ack = seq;
    }
  }

  // arena.py's _collect_pellets: only pellets in the square around a player are
  // measured; players earlier in seat order win ties; eaten pellets respawn after the
  // scan under new keys.
  collectPellets() {
    const pellets = this.state.pellets;
    const eaten = [];
    for (const player of this.state.players.values()) {
      const { x, y } = player;
      const left = x - PICKUP_DISTANCE;
      const right = x + PICKUP_DISTANCE;
      const low = y - PICKUP_DISTANCE;
      const high = y + PICKUP_DISTANCE;
      for (const [key, pellet] of pellets) {
        const px = pellet.x;
        const py = pellet.y;
        if (px < left || px > right || py < low || py > high) continue;
        const dx = px - x;
        const dy = py - y;
        if (dx * dx + dy * dy <= PICKUP_DISTANCE_SQUARED && !eaten.includes(key)) {
          eaten.push(key);
          player.score += 1;
        }
      }
    }
    for (const key of eaten) {
      pellets.delete(key);
      this.spawnPellet();
    }
  }
}

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const port = Number(option("port", "2567"));
const server = new Server({ transport: new WebSocketTransport(), greet: false });
server.define("arena", ArenaRoom);
try {
  await server.listen(port, "127.0.0.1");
} catch (error) {
  console.error(error);
  process.exit(1);
}
console.log(`colyseus arena listening on 127.0.0.1:${port}`);
