// Arena on a canvas: remote players drawn ~100 ms behind along the segments the server
// sent, our own player predicted from our inputs and reconciled with the server's acks.
// The state holds each player's segment, not their position: `position` computes it at any
// tick, as the server does. A hidden page lets go of held keys and the stick (and stops the
// player); shown again, it starts afresh.

import { registerGame } from "../game-registry.js";

const COLOURS = ["#ff6b6b", "#4dabf7", "#ffd43b", "#69db7c", "#f783ac", "#ffa94d", "#b197fc", "#63e6be"];
const INTERPOLATION_MS = 100;
// Segments kept per remote player, for drawing them behind the newest one.
const HISTORY = 10;
// A correction larger than this (in field units) is a teleport: show it at once.
const SNAP_DISTANCE = 150;
const CORRECTION_MS = 120;
const KEYS = {
  KeyW: [0, -1], ArrowUp: [0, -1], KeyS: [0, 1], ArrowDown: [0, 1],
  KeyA: [-1, 0], ArrowLeft: [-1, 0], KeyD: [1, 0], ArrowRight: [1, 0],
};

function start({ root, net, playerName }) {
  root.classList.add("arena");
  root.innerHTML = `
    <div class="arena-field">
      <canvas class="arena-canvas" tabindex="0"
        aria-label="Arena field. Steer with W A S D or the arrow keys, Space to dash."></canvas>
      <div class="arena-stick" aria-hidden="true"><div class="arena-knob"></div></div>
      <button type="button" class="arena-dash">Dash</button>
    </div>
    <aside class="arena-side">
      <p class="arena-time" aria-live="off">Time left: –</p>
      <h2 class="arena-scores-title">Scores</h2>
      <ol class="arena-scores"></ol>
      <p class="help controls-help">W A S D or arrows to move, Space to dash. On a phone, drag the stick.</p>
    </aside>`;
  const canvas = root.querySelector("canvas");
  const context = canvas.getContext("2d");
  const timeLine = root.querySelector(".arena-time");
  const scores = root.querySelector(".arena-scores");
  const history = new Map(); // player -> [{ox, oy, ot, vx, vy}], oldest first
  const pressed = new Set();
  let sentDir = [0, 0];
  let stickDir = null;
  let local = null; // our predicted segment: {ox, oy, ot, vx, vy}, in estimated ticks
  let correction = { x: 0, y: 0 };
  let lastKey = "";
  let shown = null;
  let lastFrameAt = performance.now();
  let lastSideAt = 0;
  let hidden = false;
  // For tests and debugging: frames drawn, and where (field units) each player was last drawn.
  const debug = { frames: 0, drawn: {} };
  window.__arena = debug;

  // Where a remote player stood at tick t: on the last of their segments begun by then.
  function remotePosition(player, body, t, state) {
    let segment = body;
    for (const candidate of history.get(player) || []) {
      if (candidate.ot <= t) segment = candidate;
    }
    return position(segment, t, state);
  }

  function ownPosition(body, t, state, dt) {
    const predicting = local && net.unacked().length > 0;
    const target = position(predicting ? local : body, t, state);
    if (!predicting) local = null;
    const key = predicting
      ? `l${local.ot}`
      : `s${body.ot},${body.vx},${body.vy},${body.ox},${body.oy}`;
    if (key !== lastKey && shown) {
      // The source of truth changed: keep showing where we were and ease the gap away.
      correction = { x: shown.x - target.x, y: shown.y - target.y };
      if (Math.hypot(correction.x, correction.y) > SNAP_DISTANCE) correction = { x: 0, y: 0 };
    }
    lastKey = key;
    const decay = Math.exp(-dt / CORRECTION_MS);
    correction = { x: correction.x * decay, y: correction.y * decay };
    shown = { x: target.x + correction.x, y: target.y + correction.y };
    return shown;
  }

  function steer(dir) {
    const rounded = dir.map((v) => Math.round(v * 1000) / 1000);
    if (rounded[0] === sentDir[0] && rounded[1] === sentDir[1]) return;
    // A hidden page sends nothing but a stop: no input from before can arrive late.
    if (hidden && (rounded[0] || rounded[1])) return;
    if (!net.state || !net.state.players[net.you]) return;
    if (!net.sendInput({ dir: rounded })) return;
    sentDir = rounded;
    const speed = net.state.speed;
    const from = shown || position(net.state.players[net.you], net.estimatedTick(), net.state);
    local = {
      ox: from.x,
      oy: from.y,
      ot: net.estimatedTick(),
      vx: rounded[0] * speed,
      vy: rounded[1] * speed,
    };
  }

  // Where the player means to go: the stick while it is held, else the keys.
  function wanted() {
    return stickDir || keyDirection();
  }

  function keyDirection() {
    let dx = 0;
    let dy = 0;
    for (const code of pressed) {
      dx += KEYS[code][0];
      dy += KEYS[code][1];
    }
    dx = Math.sign(dx);
    dy = Math.sign(dy);
    const length = Math.hypot(dx, dy) || 1;
    return [dx / length, dy / length];
  }

  function dash() {
    net.sendInput({ dash: true });
  }

  window.addEventListener("keydown", (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select, a, button")) return;
    if (KEYS[event.code]) {
      event.preventDefault();
      pressed.add(event.code);
      steer(keyDirection());
    } else if (event.code === "Space" || event.code === "ShiftLeft") {
      event.preventDefault();
      if (!event.repeat) dash();
    }
  });
  window.addEventListener("keyup", (event) => {
    if (KEYS[event.code]) {
      pressed.delete(event.code);
      steer(keyDirection());
    }
  });
  root.querySelector(".arena-dash").addEventListener("click", dash);
  const stick = setUpStick(root.querySelector(".arena-stick"), (dir) => {
    stickDir = dir;
    steer(dir || [0, 0]);
  });

  // The key-up or touch-end of a control held while the page loses focus or hides never
  // comes: let go of everything, or the player would run on until the next key press.
  function release() {
    pressed.clear();
    stick.cancel();
    stickDir = null;
    steer([0, 0]);
  }
  window.addEventListener("blur", release);
  net.on("hidden", () => {
    release();
    hidden = true;
  });
  // Shown again (after animation frames stopped, or the page froze): samples from before
  // are stale and the prediction too. Draw the server's state as it comes, with no easing.
  net.on("shown", () => {
    hidden = false;
    history.clear();
    local = null;
    shown = null;
    correction = { x: 0, y: 0 };
    lastKey = "";
    lastFrameAt = performance.now();
  });

  net.on("state", ({ kind }) => {
    const state = net.state;
    if (kind === "snapshot") {
      history.clear();
      // Who watches steers nothing (net.spectator is known from the first snapshot on).
      if (net.spectator) canvas.setAttribute("aria-label", "Arena field.");
      // After a reconnect the room may still steer us as we last told it (a stop sent while
      // the socket was down never reached it): tell it again what we want now.
      const body = state.players[net.you];
      if (body && net.unacked().length === 0) {
        sentDir = body.dir.map((v) => Math.round(v * 1000) / 1000);
        steer(wanted());
      }
    }
    for (const [player, body] of Object.entries(state.players)) {
      if (!history.has(player)) history.set(player, []);
      const segments = history.get(player);
      // A new segment begins at a later tick than the last.
      if (!segments.length || segments[segments.length - 1].ot !== body.ot) {
        segments.push({ ox: body.ox, oy: body.oy, ot: body.ot, vx: body.vx, vy: body.vy });
        if (segments.length > HISTORY) segments.shift();
      }
    }
    for (const player of history.keys()) {
      if (!(player in state.players)) history.delete(player);
    }
  });

  function resize() {
    const box = canvas.parentElement.getBoundingClientRect();
    const size = Math.max(200, Math.min(box.width, window.innerHeight - 140));
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${size}px`;
    canvas.style.height = `${size}px`;
    canvas.width = Math.round(size * ratio);
    canvas.height = Math.round(size * ratio);
  }
  new ResizeObserver(resize).observe(canvas.parentElement);
  window.addEventListener("resize", resize);
  resize();

  function frame(now) {
    const dt = Math.min(100, now - lastFrameAt);
    lastFrameAt = now;
    debug.frames += 1;
    const state = net.state;
    if (state && state.players) {
      draw(state, now, dt);
      if (now - lastSideAt > 250) {
        lastSideAt = now;
        renderSide(state);
      }
    }
    requestAnimationFrame(frame);
  }

  function draw(state, now, dt) {
    const scale = canvas.width / state.width;
    const present = net.estimatedTick(now);
    const behind = present - (INTERPOLATION_MS / 1000) * net.tickRate;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#1c2230";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.setTransform(scale, 0, 0, scale, 0, 0);
    context.strokeStyle = "#2c3445";
    context.lineWidth = 2;
    for (let line = 100; line < state.width; line += 100) {
      context.beginPath();
      context.moveTo(line, 0);
      context.lineTo(line, state.height);
      context.moveTo(0, line);
      context.lineTo(state.width, line);
      context.stroke();
    }
    context.fillStyle = "#e9ecef";
    for (const [x, y] of Object.values(state.pellets)) {
      context.beginPath();
      context.arc(x, y, state.pellet_radius, 0, Math.PI * 2);
      context.fill();
    }
    context.font = "bold 26px system-ui, sans-serif";
    context.textAlign = "center";
    for (const [player, body] of Object.entries(state.players)) {
      const mine = player === net.you;
      const at = mine
        ? ownPosition(body, present, state, dt)
        : remotePosition(player, body, behind, state);
      debug.drawn[player] = { x: at.x, y: at.y };
      const seat = net.players[player] ? net.players[player].seat : 0;
      context.fillStyle = COLOURS[seat % COLOURS.length];
      context.beginPath();
      context.arc(at.x, at.y, state.player_radius, 0, Math.PI * 2);
      context.fill();
      if (mine) {
        context.strokeStyle = "#ffffff";
        context.lineWidth = 5;
        context.stroke();
      }
      context.fillStyle = "#ffffff";
      const label = mine ? "you" : (net.players[player] || {}).name || "";
      // Keep the name on the field near the walls.
      const labelX = clamp(at.x, 40, state.width - 40);
      const labelY = at.y - state.player_radius < 40 ? at.y + state.player_radius + 30 : at.y - state.player_radius - 8;
      context.fillText(label, labelX, labelY);
      if (mine) canvas.dataset.me = `${at.x.toFixed(1)},${at.y.toFixed(1)}`;
    }
  }

  function renderSide(state) {
    const seconds = Math.max(0, (state.ends_at_tick - net.estimatedTick()) / net.tickRate);
    const whole = Math.ceil(seconds);
    timeLine.textContent = `Time left: ${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
    const rows = [
      ...Object.entries(state.players).map(([player, body]) => [player, body.score, false]),
      ...Object.entries(state.departed).map(([player, score]) => [player, score, true]),
    ].sort((a, b) => b[1] - a[1]);
    scores.replaceChildren(
      ...rows.map(([player, score, left]) => {
        const item = document.createElement("li");
        const seat = net.players[player] ? net.players[player].seat : 0;
        const away = net.players[player] && !net.players[player].connected && !left;
        item.innerHTML = `<span class="swatch" style="background:${COLOURS[seat % COLOURS.length]}"></span>`;
        item.append(`${playerName(net, player)}: ${score}${left ? " (left)" : away ? " (reconnecting…)" : ""}`);
        if (player === net.you) item.classList.add("you");
        return item;
      }),
    );
  }

  requestAnimationFrame(frame);
}

// Where a player on `segment` ({ox, oy, ot, vx, vy}) stands at tick t (fractional or
// whole): the operations of `position` in games/rules/arena.py, so that at a whole tick it
// is where the server has them, to the last digit. Before the segment begins, its origin.
export function position(segment, t, state) {
  const elapsed = Math.max(0, t - segment.ot) / state.tick_rate;
  const r = state.player_radius;
  return {
    x: roundTenth(clamp(segment.ox + segment.vx * elapsed, r, state.width - r)),
    y: roundTenth(clamp(segment.oy + segment.vy * elapsed, r, state.height - r)),
  };
}

// Python's round(x, 1) for x >= 0: the tenth nearest to the exact value of x, a tie going
// to the even tenth. toFixed rounds the exact value too but breaks a tie upwards; the only
// ties a double holds are the values ending in .25 and .75 (a whole number of quarters).
export function roundTenth(x) {
  const quarters = x * 4;
  if (Number.isInteger(quarters) && quarters % 2 !== 0) {
    const tenths = Math.floor(x * 10);
    return (tenths % 2 === 0 ? tenths : tenths + 1) / 10;
  }
  return Number(x.toFixed(1));
}

function clamp(value, low, high) {
  return Math.min(Math.max(value, low), high);
}

// An on-screen stick: drag from its centre; reports a direction of length <= 1, or null.
// Returns {cancel}, which lets go of the stick without reporting.
function setUpStick(stick, report) {
  const knob = stick.querySelector(".arena-knob");
  let pointer = null;
  let lastSent = 0;
  let pending = null;
  function move(event) {
    const box = stick.getBoundingClientRect();
    const radius = box.width / 2;
    let dx = (event.clientX - (box.left + radius)) / radius;
    let dy = (event.clientY - (box.top + radius)) / radius;
    const length = Math.hypot(dx, dy);
    if (length > 1) {
      dx /= length;
      dy /= length;
    }
    knob.style.transform = `translate(${dx * radius * 0.6}px, ${dy * radius * 0.6}px)`;
    const dir = length < 0.15 ? [0, 0] : [Math.round(dx * 20) / 20, Math.round(dy * 20) / 20];
    // At most one direction every 50 ms, the latest one last.
    const now = performance.now();
    clearTimeout(pending);
    if (now - lastSent >= 50) {
      lastSent = now;
      report(dir);
    } else {
      pending = setTimeout(() => {
        lastSent = performance.now();
        report(dir);
      }, 50);
    }
  }
  stick.addEventListener("pointerdown", (event) => {
    pointer = event.pointerId;
    stick.setPointerCapture(pointer);
    move(event);
  });
  stick.addEventListener("pointermove", (event) => {
    if (event.pointerId === pointer) move(event);
  });
  function cancel() {
    if (pointer !== null && stick.hasPointerCapture(pointer)) stick.releasePointerCapture(pointer);
    pointer = null;
    clearTimeout(pending);
    knob.style.transform = "";
  }
  const release = (event) => {
    if (event.pointerId !== pointer) return;
    cancel();
    report(null);
  };
  stick.addEventListener("pointerup", release);
  stick.addEventListener("pointercancel", release);
  return { cancel };
}

registerGame("arena", {
  start,
  errors: {
    game_over: "The game is already over.",
    not_playing: "You are no longer in this match.",
    dash_unavailable: "Dash is not ready yet.",
    bad_direction: "That direction was not understood.",
    unknown_input: "The server did not understand that move.",
  },
  endReasons: {
    time_up: "Time is up.",
    abandoned: "Everyone left.",
  },
});
