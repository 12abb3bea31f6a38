// The play socket, shared by every game page: docs/protocol.md is the contract.
//
// A Connection connects with the session cookie, reconnects with backoff and jitter,
// keeps the state by applying merge-patch diffs, asks for a snapshot after a gap,
// measures round-trip time (ping/pong) and input-to-ack latency, resyncs when the page is
// shown again after being hidden, and turns close and error codes into words a player
// understands.

export const PROTOCOL_VERSION = 1;

const PING_EVERY_MS = 2000;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
// A snapshot request that got no answer by then (dropped over the rate limit) is sent again.
const SNAPSHOT_RETRY_MS = 2000;

// Close codes after which reconnecting cannot help.
const CLOSE_WORDS = {
  4401: "You are not signed in. Sign in or play as a guest, then open the game again.",
  4403: "You do not have a seat in this game.",
  4404: "This game is over or no longer exists.",
  4409: "You opened this game in another tab or on another device. It goes on there.",
  4410: "This game is over.",
  4429: "Too many moves too fast: the server closed the connection. Reload the page to rejoin.",
};
export const TERMINAL_CLOSE_CODES = new Set(Object.keys(CLOSE_WORDS).map(Number));

const ERROR_WORDS = {
  rate_limited: "You are sending moves too fast; some were dropped.",
  flooding: "Too many moves too fast: the server closed the connection.",
  not_authenticated: CLOSE_WORDS[4401],
  no_such_room: CLOSE_WORDS[4404],
  not_a_player: CLOSE_WORDS[4403],
  replaced: CLOSE_WORDS[4409],
  kicked: "You were removed from this game by the host.",
  game_over: "The game is already over.",
  not_playing: "You are no longer in this match.",
  dash_unavailable: "Dash is not ready yet.",
  bad_direction: "That direction was not understood.",
  not_your_turn: "It is not your turn yet.",
  bad_column: "There is no such column.",
  column_full: "That column is full. Pick another one.",
  unknown_input: "The server did not understand that move.",
  unavailable: "The server lost its connection for a moment. If a move did not take, play it again.",
};

export function errorWords(code) {
  return ERROR_WORDS[code] || `Something went wrong talking to the server (${code}).`;
}

export function closeWords(code) {
  return CLOSE_WORDS[code] || "";
}

// RFC 7396: null deletes, objects merge, anything else replaces whole.
export function applyPatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result =
    target !== null && typeof target === "object" && !Array.isArray(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyPatch(result[key], value);
  }
  return result;
}

export class Connection {
  constructor(url) {
    this.url = url;
    this.socket = null;
    this.state = null;
    this.tick = -1;
    this.acks = {};
    this.room = null;
    this.players = {};
    this.you = "";
    // True once a snapshot says so: a spectator sends no inputs (docs/protocol.md).
    this.spectator = false;
    this.result = null;
    // Round-trip time in ms (smoothed) and the last input-to-ack latency in ms.
    this.rtt = null;
    this.latency = null;
    this.status = "connecting";
    this.closedForGood = false;
    this._seq = 0;
    this._sent = []; // {seq, data, at} of inputs not acked yet
    this._awaitingSnapshot = false;
    this._snapshotAskedAt = 0;
    this._joining = false;
    this._attempt = 0;
    this._timer = null;
    this._pinger = null;
    this._listeners = {};
    // Server tick estimate: tick = now * rate / 1000 + offset.
    this._tickOffset = null;
    // Whether the page is hidden, and when it was last shown (pongs of older pings are stale).
    this.hidden = false;
    this._shownAt = 0;
  }

  on(type, listener) {
    (this._listeners[type] ||= []).push(listener);
    return this;
  }

  _emit(type, detail) {
    for (const listener of this._listeners[type] || []) listener(detail);
  }

  _setStatus(status, words) {
    this.status = status;
    this._emit("status", { status, words });
  }

  connect() {
    if (this.closedForGood) return;
    clearTimeout(this._timer);
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this._scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      // The room sends a snapshot on join: until it comes, diffs cannot apply.
      this._awaitingSnapshot = true;
      this._joining = true;
      this._setStatus("connected", "Connected.");
      this._ping();
      this._pinger = setInterval(() => this._ping(), PING_EVERY_MS);
    };
    socket.onmessage = (event) => this._receive(event.data);
    socket.onclose = (event) => this._closed(event);
  }

  close() {
    this.closedForGood = true;
    clearTimeout(this._timer);
    clearInterval(this._pinger);
    if (this.socket) this.socket.close(1000);
  }

  get tickRate() {
    return this.room ? this.room.tick_rate : 20;
  }

  // The server's tick now, estimated from when frames arrived: fractional, never going back.
  estimatedTick(now = performance.now()) {
    if (this._tickOffset === null) return Math.max(this.tick, 0);
    return (now * this.tickRate) / 1000 + this._tickOffset;
  }

  _observeTick(tick) {
    const sample = tick - (performance.now() * this.tickRate) / 1000;
    if (this._tickOffset === null || sample > this._tickOffset + 5) {
      this._tickOffset = sample;
    } else if (sample > this._tickOffset) {
      // A frame earlier than expected: move forward gently, not in one step.
      this._tickOffset += (sample - this._tickOffset) * 0.2;
    } else {
      this._tickOffset += (sample - this._tickOffset) * 0.02;
    }
  }

  // Sends one input with the next sequence number; returns it, or 0 if not connected.
  sendInput(data) {
    if (this.spectator) return 0;
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || this.result) return 0;
    this._seq += 1;
    const seq = this._seq;
    this._sent.push({ seq, data, at: performance.now() });
    this.socket.send(JSON.stringify({ type: "input", seq, data }));
    return seq;
  }

  // Inputs sent but not yet acknowledged, oldest first.
  unacked() {
    return this._sent;
  }

  requestSnapshot() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    if (this._awaitingSnapshot && now - this._snapshotAskedAt < SNAPSHOT_RETRY_MS) return;
    this._awaitingSnapshot = true;
    this._snapshotAskedAt = now;
    this.socket.send(JSON.stringify({ type: "snapshot" }));
  }

  // The page was hidden: from now on the browser may throttle its timers, stop its
  // animation frames or freeze it. Renderers let go of held controls on "hidden".
  hide() {
    if (this.hidden) return;
    this.hidden = true;
    this._emit("hidden");
  }

  // The page is shown again. What queued up while it was hidden is stale: a frozen page gets
  // every frame and pong of the pause at once when it resumes. So estimate the server's tick
  // afresh, ask for a snapshot, and measure the ping again, ignoring pings sent before now.
  // Renderers drop their interpolation and prediction on "shown".
  show() {
    if (!this.hidden) return;
    this.hidden = false;
    this._shownAt = performance.now();
    this._tickOffset = null;
    this.rtt = null;
    this._awaitingSnapshot = false;
    this.requestSnapshot();
    this._ping();
    this._emit("shown");
  }

  _ping() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "ping", t: performance.now() }));
    }
  }

  _receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const handler = this[`_on_${frame.type}`];
    if (handler) handler.call(this, frame);
  }

  _on_snapshot(frame) {
    if (frame.v !== PROTOCOL_VERSION) {
      console.warn("protocol version %s, this page speaks %s", frame.v, PROTOCOL_VERSION);
    }
    this._awaitingSnapshot = false;
    this.room = frame.room;
    this.you = frame.room.you;
    this.spectator = frame.room.spectator === true;
    this.players = frame.room.players;
    this.state = frame.state;
    this.tick = frame.tick;
    // The room ignores inputs at or below our last ack: carry on above it.
    this._seq = Math.max(this._seq, frame.acks[this.you] || 0);
    this._acked(frame.acks);
    if (this._joining) {
      // Inputs the join snapshot does not acknowledge went down with the last socket.
      this._joining = false;
      this._sent = [];
    }
    this._attempt = 0;
    this._observeTick(frame.tick);
    this._emit("state", { kind: "snapshot", frame });
    this._emit("presence", this.players);
    if (frame.result) this._ended(frame.result);
  }

  _on_diff(frame) {
    if (this._awaitingSnapshot || this.state === null || frame.tick <= this.tick) return;
    if (frame.base !== this.tick) {
      this.requestSnapshot();
      return;
    }
    this.state = applyPatch(this.state, frame.diff);
    this.tick = frame.tick;
    this._acked(frame.acks);
    this._observeTick(frame.tick);
    this._emit("state", { kind: "diff", frame });
  }

  _acked(acks) {
    this.acks = acks;
    const ack = acks[this.you] || 0;
    const now = performance.now();
    while (this._sent.length && this._sent[0].seq <= ack) {
      const input = this._sent.shift();
      this.latency = now - input.at;
    }
    this._emit("acked", ack);
  }

  _on_presence(frame) {
    this.players = frame.players;
    if (this.room) this.room.players = frame.players;
    this._emit("presence", this.players);
  }

  _on_error(frame) {
    if (["not_authenticated", "no_such_room", "not_a_player", "replaced"].includes(frame.code)) {
      // A close follows; say why then.
      this._refusal = frame.code;
      return;
    }
    this._emit("error", { code: frame.code, seq: frame.seq, words: errorWords(frame.code) });
  }

  _on_end(frame) {
    this._ended(frame.result);
  }

  _ended(result) {
    if (this.result) return;
    this.result = result;
    this._sent = [];
    this._emit("end", result);
  }

  _on_pong(frame) {
    if (frame.t < this._shownAt) return;
    const sample = performance.now() - frame.t;
    this.rtt = this.rtt === null ? sample : this.rtt * 0.7 + sample * 0.3;
    this._emit("rtt", this.rtt);
  }

  _closed(event) {
    clearInterval(this._pinger);
    this.socket = null;
    if (this.closedForGood) return;
    if (TERMINAL_CLOSE_CODES.has(event.code)) {
      this.closedForGood = true;
      // After the end, a refusal only means the match has been recorded.
      if (!this.result) this._setStatus("refused", closeWords(event.code));
      else this._setStatus("over", "The game is over.");
      return;
    }
    if (this.result) {
      this.closedForGood = true;
      this._setStatus("over", "The game is over.");
      return;
    }
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this._attempt);
    const delay = Math.round(base * (0.5 + Math.random()));
    this._attempt += 1;
    this._setStatus(
      "lost",
      `Connection lost. Trying again in ${Math.max(1, Math.round(delay / 1000))} s…`,
    );
    this._timer = setTimeout(() => {
      this._setStatus("connecting", "Reconnecting…");
      this.connect();
    }, delay);
  }
}
