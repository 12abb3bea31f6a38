// The play page: loads the match's game (its module registers it), opens the match's
// socket and starts the game's renderer. It knows no game: each brings its own words.

import { registeredGame } from "./game-registry.js";
import { Connection } from "./net.js";
import { ordinal } from "./ordinal.js";
import { playerName } from "./player-name.js";

const root = document.getElementById("play");
const statusLine = document.getElementById("play-status");
const pingLine = document.getElementById("play-ping");
const alertLine = document.getElementById("play-alert");
const endPanel = document.getElementById("play-end");
const spectatorsBox = document.getElementById("play-spectators");
const spectatorsList = document.getElementById("play-spectators-list");
let alertTimer = null;

// The quick reactions (docs/protocol.md, reaction) and their words.
const REACTIONS = { gg: "GG", nice: "Nice!", oops: "Oops", hello: "Hello" };
// Lines shown over the game at once; older ones go, and each fades out by itself (play.css).
const CHAT_LINES_SHOWN = 6;
const CHAT_LINE_MS = 8000;

export function showAlert(words, { sticky = false } = {}) {
  alertLine.textContent = words;
  alertLine.hidden = false;
  clearTimeout(alertTimer);
  if (!sticky) alertTimer = setTimeout(() => (alertLine.hidden = true), 4000);
}

// Who watches, for everyone; the lobby's host (the page has the kick's URL) also gets a
// button beside each spectator that removes them (docs/protocol.md, Kicked during a match).
function showSpectators(spectators) {
  const { kickUrl, playerId } = root.dataset;
  const active = document.activeElement;
  const focused = spectatorsList.contains(active) ? active.dataset.userId : null;
  spectatorsList.replaceChildren();
  for (const spectator of spectators) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = spectator.id === playerId ? `${spectator.name} (you)` : spectator.name;
    item.append(name);
    if (kickUrl && spectator.id !== playerId) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Remove";
      button.setAttribute("aria-label", `Remove ${spectator.name}`);
      button.dataset.userId = spectator.id;
      button.addEventListener("click", () => removeSpectator(button, spectator));
      item.append(button);
    }
    spectatorsList.append(item);
  }
  spectatorsBox.hidden = spectators.length === 0;
  // A list that changed under the host's keyboard keeps the focus on the same spectator.
  if (focused) spectatorsList.querySelector(`button[data-user-id="${focused}"]`)?.focus();
}

// The lobby's kick (POST /api/lobbies/<code>/kick/, docs/api.md), with the session's CSRF
// token. Once it holds, the room's next spectators frame takes them off the list.
async function removeSpectator(button, spectator) {
  const { kickUrl, csrfToken } = root.dataset;
  // aria-disabled, not disabled: a disabled button would lose the keyboard's focus.
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  let refusal = "";
  try {
    const response = await fetch(kickUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ user_id: Number(spectator.id) }),
    });
    if (!response.ok) refusal = (await response.json()).error.message;
  } catch {
    refusal = "The server could not be reached. Try again.";
  }
  if (refusal) {
    button.removeAttribute("aria-disabled");
    showAlert(`${spectator.name} was not removed: ${refusal}`);
  }
}

// A chat line or reaction over the game. Every piece is set with textContent: the text is
// whatever its sender wrote.
function showChatLine(frame, words) {
  const log = document.getElementById("play-chat-log");
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.className = "play-chat-name";
  const who = frame.spectator ? `${frame.name} (watching)` : frame.name;
  name.textContent = frame.user_id === root.dataset.playerId ? `${who} (you)` : who;
  const text = document.createElement("span");
  text.textContent = words;
  if (frame.type === "reaction") text.className = "play-chat-reaction";
  item.append(name, text);
  log.append(item);
  while (log.children.length > CHAT_LINES_SHOWN) log.firstElementChild.remove();
  setTimeout(() => item.remove(), CHAT_LINE_MS);
}

// The chat form under the game. Enter (when no control has the focus) opens it; in it,
// Enter sends and Escape clears, and both hand the keys back to the game. The games
// ignore keys typed into an input, so a message does not steer.
function setUpChat(net) {
  const form = document.getElementById("play-chat");
  const input = document.getElementById("play-chat-input");
  const reactions = document.getElementById("play-reactions");
  // The line sent last: put back in the input if the server refuses it.
  let pending = "";
  for (const [reaction, words] of Object.entries(REACTIONS)) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = words;
    button.dataset.reaction = reaction;
    button.addEventListener("click", () => {
      if (!net.sendReaction(reaction)) showAlert("Not connected: the reaction was not sent.");
    });
    reactions.append(button);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (!net.sendChat(text)) {
      showAlert("Not connected: your message was kept. Send it again in a moment.");
      return;
    }
    pending = input.value;
    input.value = "";
    input.blur();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      input.value = "";
      input.blur();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.defaultPrevented) return;
    if (event.target.closest && event.target.closest("input, textarea, select, button, a")) return;
    event.preventDefault();
    input.focus();
  });
  net.on("chat", (frame) => {
    if (frame.user_id === root.dataset.playerId) pending = "";
  });
  net.on("error", ({ code }) => {
    if (!code.startsWith("chat_")) return;
    if (pending && !input.value) input.value = pending;
    pending = "";
  });
}

function showEnd(net, result, endReasons) {
  // An aborted match (ended from the admin, say) has no placements and its own reason.
  document.getElementById("play-end-reason").textContent =
    endReasons[result.reason] || "The match was ended before it was decided.";
  const list = document.getElementById("play-placements");
  list.replaceChildren();
  const ranked = Object.entries(result.placements).sort((a, b) => a[1] - b[1]);
  for (const [player, place] of ranked) {
    const item = document.createElement("li");
    const score = result.scores[player];
    item.textContent = `${ordinal(place)}: ${playerName(net, player)}, ${score} point${score === 1 ? "" : "s"}`;
    if (player === net.you) item.classList.add("you");
    list.append(item);
  }
  const mine = result.placements[net.you];
  const title = document.getElementById("play-end-title");
  const winners = ranked.filter(([, place]) => place === 1).length;
  title.textContent = mine === 1 ? (winners > 1 ? "A tie for first!" : "You win!") : "Game over";
  endPanel.hidden = false;
  endPanel.focus();
}

// The game's module registers the game as it loads (game-registry.js).
async function loadGame(slug, rendererUrl) {
  if (rendererUrl) {
    try {
      await import(rendererUrl);
    } catch (error) {
      console.error(error);
    }
  }
  return registeredGame(slug);
}

async function main() {
  const { game: slug, rendererUrl, wsUrl, lobbyUrl } = root.dataset;
  const game = await loadGame(slug, rendererUrl);
  if (!game) {
    showAlert(`This page cannot show the game "${slug}".`, { sticky: true });
    return;
  }
  const net = new Connection(wsUrl, { errorWords: game.errors });
  document.getElementById("play-back").href = lobbyUrl;
  net.on("status", ({ status, words }) => {
    statusLine.textContent = words;
    statusLine.dataset.status = status;
    if (status === "refused") showAlert(words, { sticky: true });
    // The server closes the sockets of a match once its result and replay are recorded:
    // only then has the replay something to show.
    if (status === "over") document.getElementById("play-replay").hidden = false;
  });
  // The server was upgraded to another protocol version while this page was open: load
  // the page again, once for each version (a page that still speaks the old one after
  // that, from a stale cache, says so and stays as it is).
  net.on("outdated", ({ server, words }) => {
    const reloaded = "play-reloaded-for-protocol";
    if (sessionStorage.getItem(reloaded) === String(server)) {
      showAlert(words, { sticky: true });
      return;
    }
    sessionStorage.setItem(reloaded, String(server));
    location.reload();
  });
  net.on("rtt", (rtt) => {
    pingLine.textContent = `ping ${Math.round(rtt)} ms`;
  });
  net.on("error", ({ words }) => showAlert(words));
  net.on("end", (result) => showEnd(net, result, game.endReasons));
  net.on("spectators", showSpectators);
  net.on("chat", (frame) => showChatLine(frame, frame.text));
  net.on("reaction", (frame) => showChatLine(frame, REACTIONS[frame.reaction] || frame.reaction));
  if (root.dataset.mayChat) setUpChat(net);
  game.start({ root: document.getElementById("play-game"), net, showAlert, playerName });
  // A hidden tab gets no animation frames and few timers, and may be frozen outright (the
  // browser only freezes hidden pages): the connection resyncs when it is shown again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") net.hide();
    else net.show();
  });
  if (document.visibilityState === "hidden") net.hide(); // opened in a background tab
  net.connect();
  window.playConnection = net; // for tests and debugging
}

main();
