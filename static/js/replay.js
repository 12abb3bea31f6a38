// The replay page: plays a finished match back with its game's own renderer. It fetches
// the frames from the API (the state at tick 0, then a merge patch for each tick that
// changed it; docs/replays.md). A `Playback` stands in for the play socket (net.js's
// Connection) towards the renderer: the same state, tick, players and events, and no
// inputs.

import { registeredGame } from "./game-registry.js";
import { applyPatch } from "./net.js";
import { ordinal } from "./ordinal.js";
import { playerName } from "./player-name.js";

const root = document.getElementById("replay");
const details = JSON.parse(document.getElementById("replay-details").textContent);
const playButton = document.getElementById("replay-play");
const speedSelect = document.getElementById("replay-speed");
const scrubber = document.getElementById("replay-tick");
const timeLine = document.getElementById("replay-time");
const alertLine = document.getElementById("play-alert");
// A copy of the state every this many ticks, so that a jump replays few patches.
const KEYFRAME_TICKS = 100;

class Playback {
  constructor(frames) {
    this.frames = frames;
    this.tickRate = details.tick_rate;
    this.ticks = details.ticks;
    this.you = null;
    this.spectator = true;
    this.result = null;
    this.players = Object.fromEntries(
      details.players.map((player) => [
        player.id,
        { name: player.name, seat: player.seat, connected: true, gone: false, bot: player.bot },
      ]),
    );
    this.speed = 1;
    this.playing = false;
    // The replay's own clock, in (fractional) ticks.
    this.at = 0;
    this.tick = 0;
    this.state = null;
    this._listeners = {};
    this._next = 0; // index of the next patch to apply
    this._keyframes = this._buildKeyframes();
  }

  on(type, listener) {
    (this._listeners[type] ||= []).push(listener);
    return this;
  }

  _emit(type, detail) {
    for (const listener of this._listeners[type] || []) listener(detail);
  }

  // What a renderer may ask of a connection: nothing is sent from a replay.
  sendInput() {
    return 0;
  }

  unacked() {
    return [];
  }

  estimatedTick() {
    return this.at;
  }

  _buildKeyframes() {
    const { frames } = this;
    const keyframes = [{ tick: 0, next: 0, state: structuredClone(frames.start) }];
    let state = structuredClone(frames.start);
    frames.diffs.forEach(([tick, patch], index) => {
      state = applyPatch(state, patch);
      const last = keyframes[keyframes.length - 1];
      if (tick - last.tick >= KEYFRAME_TICKS) {
        keyframes.push({ tick, next: index + 1, state: structuredClone(state) });
      }
    });
    return keyframes;
  }

  /** Shows the state at `tick` at once, as a snapshot. */
  seek(tick) {
    const target = Math.max(0, Math.min(this.ticks, Math.floor(tick)));
    let keyframe = this._keyframes[0];
    for (const candidate of this._keyframes) if (candidate.tick <= target) keyframe = candidate;
    this.state = structuredClone(keyframe.state);
    this._next = keyframe.next;
    const { diffs } = this.frames;
    while (this._next < diffs.length && diffs[this._next][0] <= target) {
      this.state = applyPatch(this.state, diffs[this._next][1]);
      this._next += 1;
    }
    this.at = target;
    this.tick = target;
    this._emit("state", { kind: "snapshot" });
    this._emit("presence", this.players);
    this._emit("moved", target);
  }

  /** Moves the clock on by `seconds` of real time, applying each tick's patch in turn. */
  advance(seconds) {
    const at = Math.min(this.ticks, this.at + seconds * this.tickRate * this.speed);
    const { diffs } = this.frames;
    while (this._next < diffs.length && diffs[this._next][0] <= at) {
      const [tick, patch] = diffs[this._next];
      this.state = applyPatch(this.state, patch);
      this.tick = tick;
      this._next += 1;
      this._emit("state", { kind: "diff" });
    }
    this.at = at;
    this.tick = Math.floor(at);
    this._emit("moved", this.tick);
    if (at >= this.ticks) this.pause();
  }

  play() {
    if (this.at >= this.ticks) this.seek(0);
    this.playing = true;
    this._emit("playing", true);
  }

  pause() {
    this.playing = false;
    this._emit("playing", false);
  }
}

function clockText(tick) {
  const whole = Math.floor(tick / details.tick_rate);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function showResult(playback, endReasons) {
  const { result } = details;
  document.getElementById("replay-reason").textContent =
    endReasons[result.reason] || "The match was ended before it was decided.";
  const list = document.getElementById("replay-players");
  const placed = [...details.players].sort(
    (a, b) => (a.placement ?? Infinity) - (b.placement ?? Infinity) || a.seat - b.seat,
  );
  list.replaceChildren(
    ...placed.map((player) => {
      const item = document.createElement("li");
      const place = player.placement ? `${ordinal(player.placement)}: ` : "";
      const score =
        player.score === null ? "" : `, ${player.score} point${player.score === 1 ? "" : "s"}`;
      item.textContent = `${place}${playerName(playback, player.id)}${score}`;
      return item;
    }),
  );
}

async function loadGame(slug, rendererUrl) {
  try {
    await import(rendererUrl);
  } catch (error) {
    console.error(error);
  }
  return registeredGame(slug);
}

// The match's frames, or an error that says why there are none (the API's refusal).
async function loadFrames(url) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin" });
  } catch {
    throw new Error("The replay did not load: check your connection, then reload the page.");
  }
  if (!response.ok) {
    const refusal = await response.json().catch(() => null);
    throw new Error(refusal?.error?.message || `The replay did not load (HTTP ${response.status}).`);
  }
  return response.json();
}

function showAlert(words) {
  alertLine.textContent = words;
  alertLine.hidden = false;
}

async function main() {
  const { game: slug, rendererUrl, framesUrl } = root.dataset;
  const [game, frames] = await Promise.all([
    loadGame(slug, rendererUrl),
    loadFrames(framesUrl).catch((error) => error),
  ]);
  if (!game) {
    showAlert(`This page cannot show the game "${slug}".`);
    return;
  }
  if (frames instanceof Error) {
    showAlert(frames.message);
    return;
  }
  const playback = new Playback(frames);
  showResult(playback, game.endReasons);
  playback.on("moved", (tick) => {
    scrubber.value = String(tick);
    const words = `Tick ${tick} of ${details.ticks} (${clockText(tick)} of ${clockText(details.ticks)})`;
    timeLine.textContent = words;
    scrubber.setAttribute("aria-valuetext", words);
  });
  playback.on("playing", (playing) => {
    playButton.textContent = playing ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(playing));
  });
  game.start({ root: document.getElementById("play-game"), net: playback, showAlert, playerName });
  playback.seek(0);

  playButton.addEventListener("click", () => (playback.playing ? playback.pause() : playback.play()));
  speedSelect.addEventListener("change", () => {
    playback.speed = Number(speedSelect.value);
  });
  scrubber.addEventListener("input", () => playback.seek(Number(scrubber.value)));
  for (const control of [playButton, speedSelect, scrubber]) control.disabled = false;

  let last = performance.now();
  function frame(now) {
    const seconds = Math.min(0.25, (now - last) / 1000);
    last = now;
    if (playback.playing) playback.advance(seconds);
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
  window.replayPlayback = playback; // for tests and debugging
}

main();
