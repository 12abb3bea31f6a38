// Battleship: your fleet and the enemy waters, placing ships, firing by click or keyboard.
// The state is this viewer's view: of the other board only shots and sunk ships, until the
// match is over and both fleets show (games/rules/battleship.py).

import { registerGame } from "../game-registry.js";

const LETTERS = "ABCDEFGHIJ";

function cellName(key) {
  const [row, column] = key.split(",").map(Number);
  return `${LETTERS[column]}${row + 1}`;
}

// A ship's place as a fleet input wants it: [row, column, "across" or "down"].
function placeOf(cells) {
  const [row, column] = cells[0].split(",").map(Number);
  const down = cells.length > 1 && cells[1].split(",")[1] === String(column);
  return [row, column, down ? "down" : "across"];
}

function start({ root, net, playerName }) {
  root.classList.add("bs");
  root.innerHTML = `
    <p class="bs-status" id="bs-status" aria-live="polite"></p>
    <p class="bs-timer" id="bs-timer" aria-live="off"></p>
    <div class="bs-placing" id="bs-placing" hidden>
      <p class="help" id="bs-placing-help"></p>
      <div class="bs-actions">
        <button type="button" id="bs-random">Random placement</button>
        <button type="button" id="bs-turn" aria-disabled="true">Turn ship</button>
        <button type="button" id="bs-ready" class="primary">Ready</button>
      </div>
    </div>
    <div class="bs-seas">
      <section class="bs-sea" id="bs-target-sea">
        <h2 class="bs-sea-title"></h2>
        <div class="bs-grid" role="group"></div>
      </section>
      <section class="bs-sea" id="bs-home-sea">
        <h2 class="bs-sea-title"></h2>
        <div class="bs-grid" role="group"></div>
      </section>
    </div>
    <p class="help"><span class="controls-help">Click a cell of the enemy waters to fire, or
      move with the arrow keys and press Enter.</span> ✕ is a hit, • a miss.</p>`;
  const statusLine = root.querySelector("#bs-status");
  const timerLine = root.querySelector("#bs-timer");
  const placing = root.querySelector("#bs-placing");
  const placingHelp = root.querySelector("#bs-placing-help");
  const turnButton = root.querySelector("#bs-turn");
  // The target sea is the other player's board (a spectator's first seat); home is yours.
  const seas = {
    target: sea(root.querySelector("#bs-target-sea")),
    home: sea(root.querySelector("#bs-home-sea")),
  };
  let selected = "";

  root.querySelector("#bs-random").addEventListener("click", () => net.sendInput({ random: true }));
  root.querySelector("#bs-ready").addEventListener("click", () => net.sendInput({ ready: true }));
  turnButton.addEventListener("click", () => {
    const ships = myBoard() && myBoard().ships;
    if (!selected || !ships[selected]) return;
    const [row, column, heading] = placeOf(ships[selected].cells);
    sendFleet(selected, [row, column, heading === "across" ? "down" : "across"]);
  });

  function sea(section) {
    return {
      title: section.querySelector(".bs-sea-title"),
      grid: section.querySelector(".bs-grid"),
      size: 0,
      cells: {},
      owner: "",
    };
  }

  function build(target, size, kind) {
    target.size = size;
    target.cells = {};
    target.grid.replaceChildren();
    target.grid.style.gridTemplateColumns = `repeat(${size}, 1fr)`;
    for (let row = 0; row < size; row += 1) {
      for (let column = 0; column < size; column += 1) {
        const key = `${row},${column}`;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "bs-cell";
        button.tabIndex = key === "0,0" ? 0 : -1;
        button.dataset.cell = key;
        button.addEventListener("click", () => (kind === "target" ? fire(key) : arrange(key)));
        button.addEventListener("keydown", (event) => moveFocus(target, row, column, event));
        target.cells[key] = button;
        target.grid.append(button);
      }
    }
  }

  function moveFocus(target, row, column, event) {
    const steps = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    const size = target.size;
    const nextRow = (row + step[0] + size) % size;
    const next = target.cells[`${nextRow},${(column + step[1] + size) % size}`];
    for (const button of Object.values(target.cells)) button.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  function players() {
    const state = net.state;
    if (net.you && state.seats.includes(net.you)) {
      return { home: net.you, target: state.seats.find((player) => player !== net.you) };
    }
    return { target: state.seats[0], home: state.seats[1] };
  }

  function myBoard() {
    return net.you && net.state && net.state.boards[net.you];
  }

  function fire(key) {
    const [row, column] = key.split(",").map(Number);
    net.sendInput({ fire: [row, column] });
  }

  // While placing: a click on one of your ships picks it; a click on open water moves the
  // picked ship's bow there, heading as it was.
  function arrange(key) {
    const board = myBoard();
    if (!board || net.state.phase !== "placing" || board.ready) return;
    const hit = Object.entries(board.ships).find(([, ship]) => ship.cells.includes(key));
    if (hit) {
      selected = hit[0] === selected ? "" : hit[0];
      render();
    } else if (selected) {
      const [row, column] = key.split(",").map(Number);
      sendFleet(selected, [row, column, placeOf(board.ships[selected].cells)[2]]);
    }
  }

  function sendFleet(ship, place) {
    const fleet = {};
    for (const [name, part] of Object.entries(myBoard().ships)) fleet[name] = placeOf(part.cells);
    fleet[ship] = place;
    net.sendInput({ fleet });
  }

  function describe(board, key, own) {
    const ship = Object.entries(board.ships).find(([, part]) => part.cells.includes(key));
    const shot = board.shots[key];
    const name = cellName(key);
    if (ship) {
      const [id, part] = ship;
      const whose = own ? `your ${id}` : id;
      if (part.sunk) {
        return { classes: ["ship", "hit", "sunk"], mark: "✕", label: `${name}: ${whose}, sunk` };
      }
      if (shot) return { classes: ["ship", "hit"], mark: "✕", label: `${name}: ${whose}, hit` };
      return { classes: ["ship"], mark: "", label: `${name}: ${whose}` };
    }
    if (shot === "hit") return { classes: ["hit"], mark: "✕", label: `${name}: hit` };
    if (shot === "miss") return { classes: ["miss"], mark: "•", label: `${name}: miss` };
    return { classes: [], mark: "", label: `${name}: ${own ? "water" : "not fired at"}` };
  }

  function renderSea(target, owner, kind) {
    const state = net.state;
    if (target.size !== state.size || target.owner !== owner) build(target, state.size, kind);
    target.owner = owner;
    const board = state.boards[owner];
    const own = owner === net.you;
    const mine = state.phase === "firing" && state.turn === net.you;
    const arranging = own && state.phase === "placing" && !board.ready;
    target.title.textContent = own ? "Your fleet" : `${playerName(net, owner)}'s waters`;
    const gridName =
      kind === "target" && net.you ? "Enemy waters: fire at a cell" : target.title.textContent;
    target.grid.setAttribute("aria-label", gridName);
    for (const [key, button] of Object.entries(target.cells)) {
      const { classes, mark, label } = describe(board, key, own);
      const ship = Object.entries(board.ships).find(([, part]) => part.cells.includes(key));
      button.className = ["bs-cell", ...classes].join(" ");
      if (key === board.last_shot) button.classList.add("last");
      if (arranging && ship && ship[0] === selected) button.classList.add("selected");
      button.textContent = mark;
      button.setAttribute("aria-label", label);
      const usable = kind === "target" ? mine && !(key in board.shots) : arranging;
      button.setAttribute("aria-disabled", String(!usable));
    }
  }

  function render() {
    const state = net.state;
    if (!state) return;
    const { target, home } = players();
    renderSea(seas.target, target, "target");
    renderSea(seas.home, home, "home");
    const board = myBoard();
    const arranging = Boolean(board) && state.phase === "placing" && !board.ready;
    placing.hidden = !arranging;
    if (arranging && selected && !board.ships[selected]) selected = "";
    turnButton.setAttribute("aria-disabled", String(!selected));
    placingHelp.textContent = selected
      ? `Click open water to move your ${selected} there, or turn it.`
      : "Your fleet was placed at random. Click a ship to move it, or shuffle them all.";
    statusLine.textContent = status(state, board);
    statusLine.dataset.mine = String(state.phase === "firing" && state.turn === net.you);
    renderTimer();
  }

  function status(state, board) {
    const other = players().target;
    if (state.phase === "over") return `${playerName(net, state.winner)} wins.`;
    if (state.phase === "placing") {
      if (!board) return "The fleets are being placed.";
      if (!board.ready) return "Place your fleet, then press Ready.";
      return `Waiting for ${playerName(net, other)} to place their fleet.`;
    }
    if (state.turn === net.you) return "Your turn: fire at the enemy waters.";
    return `${playerName(net, state.turn)}'s turn.`;
  }

  function renderTimer() {
    const state = net.state;
    if (!state || state.phase === "over" || !state.deadline_tick) {
      timerLine.textContent = "";
      return;
    }
    const seconds = Math.max(0, (state.deadline_tick - net.estimatedTick()) / net.tickRate);
    const what = state.phase === "placing" ? "to place the fleets" : "for this shot";
    timerLine.textContent = `Time left ${what}: ${Math.ceil(seconds)} s`;
    timerLine.classList.toggle("low", seconds <= 5);
  }

  net.on("state", render);
  net.on("presence", render);
  setInterval(renderTimer, 250);
}

registerGame("battleship", {
  start,
  errors: {
    game_over: "The game is already over.",
    unknown_input: "The server did not understand that move.",
    placement_over: "The fleets are placed: the battle is on.",
    already_ready: "You are ready: your fleet is fixed.",
    bad_fleet: "That is not the fleet of this game.",
    bad_ship_place: "A ship needs a row, a column and a heading.",
    ship_off_board: "The ship does not fit on the board there.",
    ships_overlap: "Ships cannot overlap.",
    still_placing: "Wait until both fleets are placed.",
    not_your_turn: "It is not your turn yet.",
    bad_cell: "There is no such cell.",
    already_fired: "You already fired there. Pick another cell.",
  },
  endReasons: {
    fleet_sunk: "The whole fleet is sunk!",
    timeout: "A player ran out of time.",
    forfeit: "A player left the game.",
  },
});
