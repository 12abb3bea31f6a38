// Connect four: the board, whose turn, the move timer, a landing preview, keyboard play.

import { registerGame } from "../game-registry.js";

const ROWS = 6;
const COLUMNS = 7;

function start({ root, net, playerName }) {
  root.classList.add("c4");
  root.innerHTML = `
    <p class="c4-turn" id="c4-turn" aria-live="polite"></p>
    <p class="c4-timer" id="c4-timer" aria-live="off"></p>
    <div class="c4-columns" role="group" aria-label="Drop a disc: columns 1 to 7"></div>
    <div class="c4-board" role="grid" aria-label="Board"></div>
    <p class="help controls-help">Arrow keys choose a column, Enter drops a disc; or press 1 to 7.</p>`;
  const turnLine = root.querySelector("#c4-turn");
  const timerLine = root.querySelector("#c4-timer");
  const columnBar = root.querySelector(".c4-columns");
  const board = root.querySelector(".c4-board");
  const buttons = [];
  const cells = {};
  let preview = -1;

  for (let column = 0; column < COLUMNS; column += 1) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "c4-drop";
    button.textContent = String(column + 1);
    button.tabIndex = column === 0 ? 0 : -1;
    button.addEventListener("click", () => drop(column));
    button.addEventListener("mouseenter", () => setPreview(column));
    button.addEventListener("focus", () => setPreview(column));
    button.addEventListener("keydown", (event) => {
      const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
      if (step) {
        event.preventDefault();
        const next = (column + step + COLUMNS) % COLUMNS;
        buttons[next].focus();
      }
    });
    buttons.push(button);
    columnBar.append(button);
  }
  columnBar.addEventListener("mouseleave", () => setPreview(-1));
  // Rows from the top (row 5) down to the bottom (row 0).
  for (let row = ROWS - 1; row >= 0; row -= 1) {
    for (let column = 0; column < COLUMNS; column += 1) {
      const cell = document.createElement("div");
      cell.className = "c4-cell";
      cell.setAttribute("role", "gridcell");
      cell.addEventListener("mouseenter", () => setPreview(column));
      cell.addEventListener("click", () => drop(column));
      cells[`${row},${column}`] = cell;
      board.append(cell);
    }
  }
  board.addEventListener("mouseleave", () => setPreview(-1));

  document.addEventListener("keydown", (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    const number = Number(event.key);
    if (Number.isInteger(number) && number >= 1 && number <= COLUMNS) {
      event.preventDefault();
      buttons[number - 1].focus();
      drop(number - 1);
    }
  });

  function landingRow(column) {
    const state = net.state;
    if (!state) return -1;
    for (let row = 0; row < ROWS; row += 1) {
      if (!(`${row},${column}` in state.cells)) return row;
    }
    return -1;
  }

  function drop(column) {
    net.sendInput({ column });
  }

  function setPreview(column) {
    preview = column;
    buttons.forEach((button, index) => (button.tabIndex = index === column ? 0 : -1));
    if (column < 0) buttons[0].tabIndex = 0;
    render();
  }

  function seatClass(player) {
    return net.state.seats.indexOf(player) === 0 ? "p1" : "p2";
  }

  function render() {
    const state = net.state;
    if (!state) return;
    const winning = new Set(state.winning_cells);
    const myTurn = !state.over && state.turn === net.you;
    const previewRow = myTurn && preview >= 0 ? landingRow(preview) : -1;
    for (const [key, cell] of Object.entries(cells)) {
      const owner = state.cells[key];
      const [row, column] = key.split(",").map(Number);
      cell.className = "c4-cell";
      if (owner) cell.classList.add(seatClass(owner));
      if (winning.has(key)) cell.classList.add("win");
      if (key === state.last_move) cell.classList.add("last");
      if (!owner && row === previewRow && column === preview) {
        cell.classList.add("preview", seatClass(net.you));
      }
      const who = owner ? playerName(net, owner) : "empty";
      cell.setAttribute("aria-label", `Row ${row + 1}, column ${column + 1}: ${who}`);
    }
    for (let column = 0; column < COLUMNS; column += 1) {
      const row = landingRow(column);
      const button = buttons[column];
      button.disabled = false;
      button.setAttribute("aria-disabled", String(!myTurn || row < 0));
      button.setAttribute(
        "aria-label",
        row < 0 ? `Column ${column + 1}: full` : `Column ${column + 1}: lands in row ${row + 1}`,
      );
    }
    if (state.over) {
      turnLine.textContent = state.winner ? `${playerName(net, state.winner)} wins.` : "A draw.";
    } else {
      const colour = seatClass(state.turn) === "p1" ? "red" : "yellow";
      turnLine.textContent = myTurn
        ? `Your turn (${colour}).`
        : `${playerName(net, state.turn)}'s turn (${colour}).`;
    }
    turnLine.dataset.mine = String(myTurn);
    renderTimer();
  }

  function renderTimer() {
    const state = net.state;
    if (!state || state.over || !state.deadline_tick) {
      timerLine.textContent = "";
      return;
    }
    const seconds = Math.max(0, (state.deadline_tick - net.estimatedTick()) / net.tickRate);
    timerLine.textContent = `Time left for this move: ${Math.ceil(seconds)} s`;
    timerLine.classList.toggle("low", seconds <= 5);
  }

  net.on("state", render);
  net.on("presence", render);
  setInterval(renderTimer, 250);
}

registerGame("connect_four", {
  start,
  errors: {
    game_over: "The game is already over.",
    not_your_turn: "It is not your turn yet.",
    bad_column: "There is no such column.",
    column_full: "That column is full. Pick another one.",
    unknown_input: "The server did not understand that move.",
  },
  endReasons: {
    four_in_a_row: "Four in a row!",
    draw: "The board is full: a draw.",
    timeout: "A player ran out of time.",
    forfeit: "A player left the game.",
  },
});
