// The lobby list page: rows change live from /ws/lobbies/ events, built with textContent.
// Rows are keyed by the opaque `id`: a lobby leaving the list sends only that.

const table = document.getElementById("lobby-list");
const body = table.querySelector("tbody");
const empty = document.getElementById("lobby-list-empty");
let attempts = 0;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function row(lobby) {
  const tr = document.createElement("tr");
  tr.dataset.id = lobby.id;
  const link = document.createElement("a");
  link.href = `/l/${encodeURIComponent(lobby.code)}/`;
  link.textContent = "Join";
  const action = document.createElement("td");
  action.append(link);
  tr.append(
    cell(lobby.game_name),
    cell(lobby.name),
    cell(`${lobby.players} / ${lobby.max_players}`),
    cell(lobby.host),
    action,
  );
  return tr;
}

function apply(lobby) {
  const existing = [...body.children].find((tr) => tr.dataset.id === lobby.id);
  if (!lobby.visible) {
    existing?.remove();
  } else if (existing) {
    existing.replaceWith(row(lobby));
  } else {
    body.prepend(row(lobby));
  }
  empty.hidden = body.children.length > 0;
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${table.dataset.socket}`);
  socket.addEventListener("open", () => {
    attempts = 0;
    table.dataset.live = "true";
  });
  socket.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "lobby_list") apply(event.lobby);
  });
  socket.addEventListener("close", () => {
    delete table.dataset.live;
    attempts += 1;
    window.setTimeout(connect, Math.min(10000, 500 * 2 ** attempts));
  });
}

connect();
