// The play page: opens the match's socket and starts the renderer for its game.

import { Connection } from "./net.js";

const RENDERERS = {
  arena: () => import("./arena.js"),
  connect_four: () => import("./connect_four.js"),
};

const REASONS = {
  time_up: "Time is up.",
  abandoned: "Everyone left.",
  four_in_a_row: "Four in a row!",
  draw: "The board is full: a draw.",
  timeout: "A player ran out of time.",
  forfeit: "A player left the game.",
};

const root = document.getElementById("play");
const statusLine = document.getElementById("play-status");
const pingLine = document.getElementById("play-ping");
const alertLine = document.getElementById("play-alert");
const endPanel = document.getElementById("play-end");
let alertTimer = null;

export function showAlert(words, { sticky = false } = {}) {
  alertLine.textContent = words;
  alertLine.hidden = false;
  clearTimeout(alertTimer);
  if (!sticky) alertTimer = setTimeout(() => (alertLine.hidden = true), 4000);
}

export function playerName(net, player) {
  const seat = net.players[player];
  const name = seat ? seat.name : `Player ${player}`;
  return player === net.you ? `${name} (you)` : name;
}

function showEnd(net, result) {
  // An aborted match (ended from the admin, say) has no placements and its own reason.
  document.getElementById("play-end-reason").textContent =
    REASONS[result.reason] || "The match was ended before it was decided.";
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

function ordinal(place) {
  return { 1: "1st", 2: "2nd", 3: "3rd" }[place] || `${place}th`;
}

async function main() {
  const { game, wsUrl, lobbyUrl } = root.dataset;
  const net = new Connection(wsUrl);
  document.getElementById("play-back").href = lobbyUrl;
  net.on("status", ({ status, words }) => {
    statusLine.textContent = words;
    statusLine.dataset.status = status;
    if (status === "refused") showAlert(words, { sticky: true });
  });
  net.on("rtt", (rtt) => {
    pingLine.textContent = `ping ${Math.round(rtt)} ms`;
  });
  net.on("error", ({ words }) => showAlert(words));
  net.on("end", (result) => showEnd(net, result));
  const load = RENDERERS[game];
  if (!load) {
    showAlert(`This page cannot show the game "${game}" yet.`, { sticky: true });
    return;
  }
  const renderer = await load();
  renderer.start({ root: document.getElementById("play-game"), net, showAlert, playerName });
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
