// The ranked queue page: holds the queue socket (docs/api.md, The queue socket) while the
// player waits, shows their wait and window, and goes to the match once one is found.
// Closing the socket, by leaving the page, leaves the queue.

const root = document.getElementById("ranked");
const statusLine = document.getElementById("ranked-status");
const errorLine = document.getElementById("ranked-error");
let ended = false;

function showError(words) {
  ended = true;
  errorLine.textContent = words;
  errorLine.hidden = false;
  statusLine.textContent = "Not in the queue.";
}

function showPlace(place) {
  const seconds = place.waited_seconds;
  const others = place.waiting - 1;
  statusLine.textContent =
    `Searching for ${seconds} s: players within ${place.window} of your ${place.rating}. ` +
    `${others} other player${others === 1 ? "" : "s"} waiting.`;
}

function open() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socketPath}`);
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "queue") showPlace(frame);
    else if (frame.type === "matched") {
      ended = true;
      statusLine.textContent = "Match found! Starting…";
      location.assign(frame.play_url);
    } else if (frame.type === "error") showError(frame.message);
  };
  socket.onclose = () => {
    if (!ended) showError("The connection was lost: you are out of the queue. Reload to join again.");
  };
  window.rankedSocket = socket; // for tests and debugging
}

open();
