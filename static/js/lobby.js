// The live lobby page: events over /ws/lobby/<code>/, chat, and the invite link's copy button.
// Server-rendered parts are fetched again from the lobby's state URL (escaped by the
// templates); chat text is only ever set with textContent.

const root = document.getElementById("lobby");
const code = root.dataset.code;
const me = Number(root.dataset.userId);
const stateBox = document.getElementById("lobby-state");
const notice = document.getElementById("lobby-notice");
const chatLog = document.getElementById("chat-log");
const chatForm = document.getElementById("chat-form");
const chatText = document.getElementById("chat-text");
const CHAT_KEEP = 200;

let socket = null;
let attempts = 0;
let finished = false;

function say(text, isError = false) {
  notice.textContent = text;
  notice.classList.toggle("error", isError);
  notice.hidden = false;
}

// What a control in the state box is, so that it can be found again in a fresh copy: its
// tag, name, link, form and the member its form is about.
function controlKey(element) {
  const form = element.closest("form");
  const member = form ? form.querySelector("input[name=user_id]") : null;
  return [
    element.tagName,
    element.getAttribute("name"),
    element.getAttribute("href"),
    form ? form.getAttribute("action") : "",
    member ? member.value : "",
  ].join("|");
}

// A copy of the state box's markup without its CSRF tokens, which differ in every copy
// the server renders.
function markup(box) {
  const copy = box.cloneNode(true);
  copy.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => input.removeAttribute("value"));
  return copy.innerHTML;
}

async function refresh() {
  const response = await fetch(root.dataset.stateUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  const html = await response.text();
  // A copy that shows nothing new leaves the controls alone: replacing a button under
  // the pointer between its press and release loses the click.
  const fresh = document.createElement("div");
  fresh.innerHTML = html;
  if (markup(fresh) === markup(stateBox)) return;
  // The fresh copy replaces every control but an open settings form, which is the host's
  // work in progress and stays as it is (what they typed, where their caret is); the
  // keyboard focus stays where it was (else it falls back to the top of the page).
  const focused = stateBox.contains(document.activeElement) ? controlKey(document.activeElement) : null;
  const open = [...stateBox.querySelectorAll("details[open]")];
  const openKeys = open.map((details) => controlKey(details));
  stateBox.innerHTML = html;
  for (const details of stateBox.querySelectorAll("details")) {
    const kept = openKeys.indexOf(controlKey(details));
    if (kept >= 0) details.replaceWith(open[kept]);
  }
  scheduleOffer();
  if (focused) {
    const controls = stateBox.querySelectorAll("a[href], button, input, select, textarea, summary");
    const again = [...controls].find((element) => controlKey(element) === focused);
    if (again) again.focus();
  }
}

// The offer to play bots, in a lobby one waits in alone, shows once they waited long
// enough (QUICK_PLAY_BOT_SECONDS); each fresh copy of the state says how long is left.
let offerTimer = null;
function scheduleOffer() {
  clearTimeout(offerTimer);
  const offer = stateBox.querySelector(".offer-bots[hidden]");
  if (offer) offerTimer = setTimeout(() => { offer.hidden = false; }, Number(offer.dataset.offerIn) * 1000);
}

function addChat(event) {
  const line = document.createElement("li");
  const name = document.createElement("strong");
  name.textContent = event.name;
  const text = document.createElement("span");
  text.textContent = ` ${event.text}`;
  line.append(name, text);
  chatLog.append(line);
  while (chatLog.children.length > CHAT_KEEP) chatLog.firstElementChild.remove();
  chatLog.scrollTop = chatLog.scrollHeight;
}

function finish(text) {
  finished = true;
  say(text, true);
  chatForm.querySelector("button").disabled = true;
  stateBox.querySelectorAll("button").forEach((button) => { button.disabled = true; });
}

function handle(event) {
  switch (event.type) {
    case "chat":
      addChat(event);
      break;
    case "started":
      say("The game is starting…");
      window.location.assign(event.play_url);
      break;
    case "lobby":
      // The first message of a socket. A start it missed (the page was loading, or the
      // socket was down, as the host started) still takes us to the game; a page that
      // already showed the game running stays here.
      if (event.lobby.state === "in_game" && !stateBox.querySelector(".in-game")) {
        say("The game is starting…");
        window.location.assign(event.lobby.play_url);
      } else {
        refresh();
      }
      break;
    case "match_ended":
      say("The match is over. Get ready for a rematch!");
      refresh();
      break;
    case "kicked":
      if (event.user_id === me) finish("The host removed you from this lobby.");
      else refresh();
      break;
    case "member_left":
      if (event.user_id === me) finish("You left this lobby (perhaps by joining another one).");
      else refresh();
      break;
    case "closed":
      finish("This lobby is closed.");
      break;
    case "error":
      say(event.message, true);
      if (["AUTH_REQUIRED", "NOT_MEMBER", "LOBBY_NOT_FOUND"].includes(event.code)) finished = true;
      break;
    default:
      refresh();
  }
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/lobby/${code}/`);
  socket.addEventListener("open", () => { attempts = 0; });
  socket.addEventListener("message", (message) => handle(JSON.parse(message.data)));
  socket.addEventListener("close", () => {
    if (finished) return;
    // Reconnect with backoff; the first message after reconnecting is a fresh snapshot.
    attempts += 1;
    window.setTimeout(connect, Math.min(10000, 500 * 2 ** attempts));
  });
}

chatForm.addEventListener("submit", (submit) => {
  submit.preventDefault();
  const text = chatText.value.trim();
  if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: "chat", text }));
  chatText.value = "";
});

document.getElementById("copy-invite").addEventListener("click", async () => {
  const input = document.getElementById("invite-link");
  try {
    await navigator.clipboard.writeText(input.value);
    say("Invite link copied.");
  } catch {
    input.select();
    say("Press Ctrl+C to copy the selected link.");
  }
});

scheduleOffer();
connect();
