// The play socket, shared by every game page: docs/protocol.md is the contract.
//
// A Connection connects with the session cookie, reconnects with backoff and jitter,
// keeps the state by applying merge-patch diffs, asks for a snapshot after a gap,
// measures round-trip time (ping/pong) and input-to-ack latency, resyncs when the page is
// shown again after being hidden, and turns close and error codes into words a player
// understands. It knows no game: a game's own error words come from its module
// (static/js/games/<slug>.js, through game-registry.js).

// The frames, typed from docs/protocol.schema.json (tests/consumers/test_protocol_schema.py
// holds real frames against it, and checks that each frame there has a typedef here).

/**
 * A player's user id as a string ("17").
 * @typedef {string} PlayerId
 */

/**
 * For each seat, by seat number, the seq of the last input the room processed from its player
 * (0 before any).
 * @typedef {number[]} Acks
 */

/**
 * @typedef {object} Seat
 * @property {string} name
 * @property {number} seat The seat's number, from 0.
 * @property {boolean} connected
 * @property {boolean} gone The seat window ran out: the game treats the player as gone.
 */

/**
 * Every seated player; spectators are never in it.
 * @typedef {Object<PlayerId, Seat>} Players
 */

/**
 * @typedef {object} Room
 * @property {string} id The match's UUID.
 * @property {string} game The game's slug.
 * @property {number} tick_rate Ticks per second.
 * @property {PlayerId|null} you Your player id; null for a spectator.
 * @property {boolean} spectator True when you watch.
 * @property {Players} players
 */

/**
 * How the match ended. Placements start at 1 and ties share a place.
 * @typedef {object} Result
 * @property {Object<PlayerId, number>} placements
 * @property {Object<PlayerId, number>} scores
 * @property {string} reason A stable code: the game's own, or "ended_by_admin".
 */

/**
 * The stable code an error frame carries: one of the socket's and the room's (the schema's
 * error_code), or one of the game's own rules (docs/protocol.md, Error codes).
 * @typedef {(
 *   "text_only"|"too_large"|"bad_json"|"bad_frame"|"unknown_type"|"bad_seq"|"bad_input"|
 *   "rate_limited"|"flooding"|"not_authenticated"|"no_such_room"|"room_over"|"not_a_player"|
 *   "kicked"|"spectators_full"|"replaced"|"unavailable"|"spectator"|"stale_seq"|"chat_empty"|
 *   "chat_too_long"|"chat_bad_text"|"chat_not_allowed"|"chat_rate_limited"|"unknown_reaction"|string
 * )} ErrorCode
 */

/**
 * An input's data: an object of at most 8 keys, nested at most 3 levels, lists of at most 8
 * items, of numbers, strings, booleans and lists. Its meaning is the game's.
 * @typedef {Object<string, *>} InputData
 */

/**
 * @typedef {object} InputFrame
 * @property {"input"} type
 * @property {number} seq From 1 to 2^53 - 1, larger than the last.
 * @property {InputData} data
 */

/**
 * Asks for the full state again; answered with a SnapshotFrame.
 * @typedef {object} SnapshotRequestFrame
 * @property {"snapshot"} type
 */

/**
 * @typedef {object} PingFrame
 * @property {"ping"} type
 * @property {number} t Any number of the client's clock, echoed in the PongFrame.
 */

/**
 * One of the quick reactions.
 * @typedef {"gg"|"nice"|"oops"|"hello"} Reaction
 */

/**
 * A chat line to everyone in the room; answered with a ChatFrame to every socket of it.
 * @typedef {object} ChatRequestFrame
 * @property {"chat"} type
 * @property {string} text 1 to 300 characters once trimmed, no control characters.
 */

/**
 * A quick reaction to everyone in the room; answered with a ReactionFrame.
 * @typedef {object} ReactionRequestFrame
 * @property {"reaction"} type
 * @property {Reaction} reaction
 */

/**
 * A frame this client sends.
 * @typedef {InputFrame|SnapshotRequestFrame|PingFrame|ChatRequestFrame|ReactionRequestFrame} ClientFrame
 */

/**
 * The state as of the last frame the room broadcast.
 * @typedef {object} SnapshotFrame
 * @property {"snapshot"} type
 * @property {3} v The protocol version.
 * @property {number} tick
 * @property {Acks} acks
 * @property {object} state The game's whole state (or a spectator's view of it).
 * @property {Room} room
 * @property {Result} [result] Present once the match has ended.
 */

/**
 * The change from the state at tick `base` to the state at `tick`, as a JSON Merge Patch.
 * @typedef {object} DiffFrame
 * @property {"diff"} type
 * @property {number} tick
 * @property {number} [base] Absent when it is tick - 1.
 * @property {Acks} acks
 * @property {object} diff
 */

/**
 * @typedef {object} PresenceFrame
 * @property {"presence"} type
 * @property {number} tick
 * @property {Players} players
 */

/**
 * A user who watches: their user id (as a player's) and name.
 * @typedef {object} Spectator
 * @property {PlayerId} id
 * @property {string} name
 */

/**
 * Who watches now: sent when a spectator comes or goes, and to a player who joins while
 * someone watches.
 * @typedef {object} SpectatorsFrame
 * @property {"spectators"} type
 * @property {number} tick
 * @property {Spectator[]} spectators
 */

/**
 * @typedef {object} ErrorFrame
 * @property {"error"} type
 * @property {number} tick 0 when the socket is refused before it joins.
 * @property {ErrorCode} code
 * @property {string} message For logs, not for players.
 * @property {number} [seq] The input it answers, for the codes that answer one input.
 */

/**
 * @typedef {object} EndFrame
 * @property {"end"} type
 * @property {number} tick
 * @property {Result} result
 */

/**
 * @typedef {object} PongFrame
 * @property {"pong"} type
 * @property {number} t The ping's t.
 * @property {number} tick The room's current tick.
 */

/**
 * A chat line someone in the room sent. The text is theirs: show it as text only.
 * @typedef {object} ChatFrame
 * @property {"chat"} type
 * @property {number} tick
 * @property {PlayerId} user_id
 * @property {string} name
 * @property {boolean} spectator True when the sender watches.
 * @property {string} text
 */

/**
 * A quick reaction someone in the room sent.
 * @typedef {object} ReactionFrame
 * @property {"reaction"} type
 * @property {number} tick
 * @property {PlayerId} user_id
 * @property {string} name
 * @property {boolean} spectator
 * @property {Reaction} reaction
 */

/**
 * A frame the server sends.
 * @typedef {SnapshotFrame|DiffFrame|PresenceFrame|SpectatorsFrame|ErrorFrame|EndFrame|PongFrame|ChatFrame|ReactionFrame} ServerFrame
 */

export const PROTOCOL_VERSION = 3;

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
  spectators_full: "This game has as many spectators as it can take. Trying again shortly.",
  unavailable: "The server lost its connection for a moment. If a move did not take, play it again.",
  chat_empty: "Write something first.",
  chat_too_long: "A chat message has at most 300 characters.",
  chat_bad_text: "A chat message cannot contain control characters.",
  chat_not_allowed: "Spectators cannot chat in this game.",
  chat_rate_limited: "You are chatting too fast. Wait a few seconds.",
  unknown_reaction: "That reaction is not one this game knows.",
};

/**
 * @param {ErrorCode} code An error frame's code.
 * @param {Object<string, string>} [gameWords] The game's words for its own codes.
 * @returns {string} Words for the player.
 */
export function errorWords(code, gameWords = {}) {
  return (
    ERROR_WORDS[code] ||
    gameWords[code] ||
    `Something went wrong talking to the server (${code}).`
  );
}

/**
 * @param {number} code The socket's close code (the schema's close_code).
 * @returns {string} Words for the player; "" when reconnecting can help.
 */
export function closeWords(code) {
  return CLOSE_WORDS[code] || "";
}

// RFC 7396: null deletes, objects merge, anything else replaces whole.
/**
 * @param {*} target The state held, changed in place when it is an object.
 * @param {*} patch A DiffFrame's diff, or a value within it.
 * @returns {*} The patched state.
 */
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
  /**
   * @param {string} url The match's socket URL.
   * @param {{errorWords?: Object<string, string>}} [options] The game's words for the
   *   error codes of its rules.
   */
  constructor(url, { errorWords = {} } = {}) {
    this.url = url;
    this.errorWords = errorWords;
    this.socket = null;
    this.state = null;
    this.tick = -1;
    /** @type {Acks} */
    this.acks = [];
    /** @type {Room|null} */
    this.room = null;
    /** @type {Players} */
    this.players = {};
    /** @type {Spectator[]} Who watches, as the last SpectatorsFrame of this socket said. */
    this.spectators = [];
    /** @type {PlayerId|null} */
    this.you = "";
    // True once a snapshot says so: a spectator sends no inputs (docs/protocol.md).
    this.spectator = false;
    /** @type {Result|null} */
    this.result = null;
    // Round-trip time in ms (smoothed) and the last input-to-ack latency in ms.
    this.rtt = null;
    this.latency = null;
    this.status = "connecting";
    this.closedForGood = false;
    // The error code of a refusal whose close is coming ("kicked", ...).
    this._refusal = "";
    this._seq = 0;
    this._sent = []; // {seq, data, at} of inputs not acked yet
    this._awaitingSnapshot = false;
    this._snapshotAskedAt = 0;
    this._joining = false;
    this._attempt = 0;
    this._timer = null;
    this._pinger = null;
    this._listeners = {};
    // Server tick estimate: tick = now * rate / 1000 + offset. Provisional when a snapshot
    // gave it, or it is from before the page was hidden: the next diff or pong replaces it.
    this._tickOffset = null;
    this._tickProvisional = false;
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

  // The server's tick now, estimated from when frames and pongs arrived: fractional.
  estimatedTick(now = performance.now()) {
    if (this._tickOffset === null) return Math.max(this.tick, 0);
    return (now * this.tickRate) / 1000 + this._tickOffset;
  }

  // A diff carries the room's tick as it was sent, a pong the room's tick as it answered.
  // A snapshot carries the tick of the room's last frame, which in a quiet room (nobody
  // steering, a turn-based game between moves) is long past: it stands in for the others
  // only until one comes.
  _observeTick(tick, { current = true } = {}) {
    const sample = tick - (performance.now() * this.tickRate) / 1000;
    if (this._tickOffset === null || (current && this._tickProvisional)) {
      this._tickOffset = sample;
      this._tickProvisional = !current;
    } else if (!current) {
      return;
    } else if (sample > this._tickOffset + 5) {
      this._tickOffset = sample;
    } else if (sample > this._tickOffset) {
      // A frame earlier than expected: move forward gently, not in one step.
      this._tickOffset += (sample - this._tickOffset) * 0.2;
    } else {
      this._tickOffset += (sample - this._tickOffset) * 0.02;
    }
  }

  // Sends one input with the next sequence number; returns it, or 0 if not connected.
  /**
   * Sends an InputFrame.
   * @param {InputData} data
   * @returns {number} The input's seq, or 0 when nothing was sent.
   */
  sendInput(data) {
    if (this.spectator) return 0;
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || this.result) return 0;
    this._seq += 1;
    const seq = this._seq;
    this._sent.push({ seq, data, at: performance.now() });
    this.socket.send(JSON.stringify({ type: "input", seq, data }));
    return seq;
  }

  /**
   * Sends a ChatRequestFrame; the line comes back as a "chat" event once it went out.
   * @param {string} text
   * @returns {boolean} Whether it was sent (false while not connected).
   */
  sendChat(text) {
    return this._sendOpen({ type: "chat", text });
  }

  /**
   * Sends a ReactionRequestFrame; it comes back as a "reaction" event.
   * @param {Reaction} reaction
   * @returns {boolean} Whether it was sent.
   */
  sendReaction(reaction) {
    return this._sendOpen({ type: "reaction", reaction });
  }

  /** @param {ClientFrame} frame */
  _sendOpen(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  // Inputs sent but not yet acknowledged, oldest first.
  unacked() {
    return this._sent;
  }

  /** Sends a SnapshotRequestFrame, unless one is already awaited. */
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
  // every frame and pong of the pause at once when it resumes. So take the server's tick
  // afresh from the next diff or pong (until then, from the clock as before), ask for a
  // snapshot, and measure the ping again, ignoring pings sent before now. Renderers drop
  // their interpolation and prediction on "shown".
  show() {
    if (!this.hidden) return;
    this.hidden = false;
    this._shownAt = performance.now();
    this._tickProvisional = true;
    this.rtt = null;
    this._awaitingSnapshot = false;
    this.requestSnapshot();
    this._ping();
    this._emit("shown");
  }

  /** Sends a PingFrame. */
  _ping() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "ping", t: performance.now() }));
    }
  }

  /**
   * Hands a received frame to its `_on_<type>` handler.
   * @param {string} text The text of one ServerFrame.
   */
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

  /** @param {SnapshotFrame} frame */
  _on_snapshot(frame) {
    if (frame.v !== PROTOCOL_VERSION) {
      // The server speaks another version of the protocol (it was upgraded while this page
      // was open): what it sends may not mean what this page reads. Stop here, and let the
      // page load again ("outdated").
      const words = "This page is out of date: reload it to play on.";
      this.close();
      this._setStatus("outdated", words);
      this._emit("outdated", { server: frame.v, page: PROTOCOL_VERSION, words });
      return;
    }
    this._awaitingSnapshot = false;
    this.room = frame.room;
    this.you = frame.room.you;
    this.spectator = frame.room.spectator === true;
    this.players = frame.room.players;
    this.state = frame.state;
    this.tick = frame.tick;
    // The room ignores inputs at or below our last ack: carry on above it.
    this._seq = Math.max(this._seq, this._ownAck(frame.acks));
    this._acked(frame.acks);
    if (this._joining) {
      // Inputs the join snapshot does not acknowledge went down with the last socket.
      this._joining = false;
      this._sent = [];
    }
    this._attempt = 0;
    this._observeTick(frame.tick, { current: false });
    this._emit("state", { kind: "snapshot", frame });
    this._emit("presence", this.players);
    if (frame.result) this._ended(frame.result);
  }

  /** @param {DiffFrame} frame */
  _on_diff(frame) {
    if (this._awaitingSnapshot || this.state === null || frame.tick <= this.tick) return;
    if ((frame.base ?? frame.tick - 1) !== this.tick) {
      this.requestSnapshot();
      return;
    }
    this.state = applyPatch(this.state, frame.diff);
    this.tick = frame.tick;
    this._acked(frame.acks);
    this._observeTick(frame.tick);
    this._emit("state", { kind: "diff", frame });
  }

  /** @param {Acks} acks A SnapshotFrame's or DiffFrame's acks. */
  _acked(acks) {
    this.acks = acks;
    const ack = this._ownAck(acks);
    const now = performance.now();
    while (this._sent.length && this._sent[0].seq <= ack) {
      const input = this._sent.shift();
      this.latency = now - input.at;
    }
    this._emit("acked", ack);
  }

  /**
   * Our last input the room processed: `acks` holds each seat's, by seat number.
   * @param {Acks} acks
   */
  _ownAck(acks) {
    const seat = this.you === null ? undefined : this.players[this.you]?.seat;
    return seat === undefined ? 0 : acks[seat] || 0;
  }

  /** @param {PresenceFrame} frame */
  _on_presence(frame) {
    this.players = frame.players;
    if (this.room) this.room.players = frame.players;
    this._emit("presence", this.players);
  }

  /** @param {SpectatorsFrame} frame */
  _on_spectators(frame) {
    this._setSpectators(frame.spectators);
  }

  /** @param {Spectator[]} spectators */
  _setSpectators(spectators) {
    this.spectators = spectators;
    this._emit("spectators", spectators);
  }

  /** @param {ChatFrame} frame */
  _on_chat(frame) {
    this._emit("chat", frame);
  }

  /** @param {ReactionFrame} frame */
  _on_reaction(frame) {
    this._emit("reaction", frame);
  }

  /** @param {ErrorFrame} frame */
  _on_error(frame) {
    const refusals = ["not_authenticated", "no_such_room", "not_a_player", "kicked", "replaced"];
    if (refusals.includes(frame.code)) {
      // A close follows; say why then.
      this._refusal = frame.code;
      return;
    }
    const words = errorWords(frame.code, this.errorWords);
    this._emit("error", { code: frame.code, seq: frame.seq, words });
  }

  /** @param {EndFrame} frame */
  _on_end(frame) {
    this._ended(frame.result);
  }

  /** @param {Result} result */
  _ended(result) {
    if (this.result) return;
    this.result = result;
    this._sent = [];
    this._emit("end", result);
  }

  /** @param {PongFrame} frame */
  _on_pong(frame) {
    if (frame.t < this._shownAt) return;
    this._observeTick(frame.tick);
    const sample = performance.now() - frame.t;
    this.rtt = this.rtt === null ? sample : this.rtt * 0.7 + sample * 0.3;
    this._emit("rtt", this.rtt);
  }

  _closed(event) {
    clearInterval(this._pinger);
    this.socket = null;
    // Who watches is heard per socket (a new one hears it after it joins, if anyone does).
    this._setSpectators([]);
    if (this.closedForGood) return;
    if (TERMINAL_CLOSE_CODES.has(event.code)) {
      this.closedForGood = true;
      // After the end, a refusal only means the match has been recorded.
      // The refusal's own words, when one came: 4403 also closes a kick, say.
      const words = this._refusal ? errorWords(this._refusal) : closeWords(event.code);
      if (!this.result) this._setStatus("refused", words);
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
