// The games this page can show. Each game's browser side is one module,
// static/js/games/<slug>.js, that registers itself here when the play page loads it;
// play.js then asks for the match's game. docs/writing-a-game.md, In the browser.

const games = new Map();

/**
 * @typedef {object} Game
 * @property {function({root: HTMLElement, net: object, showAlert: function, playerName: function}): void} start
 *   Draws the game in `root` and plays it through `net` (a Connection of net.js).
 * @property {Object<string, string>} errors Words for the error codes of the game's rules.
 * @property {Object<string, string>} endReasons Words for the reasons its results give.
 */

/**
 * @param {string} slug The game's slug, as its rules module's GameDef says.
 * @param {{start: Game["start"], errors?: Game["errors"], endReasons?: Game["endReasons"]}} game
 */
export function registerGame(slug, { start, errors = {}, endReasons = {} }) {
  games.set(slug, { start, errors, endReasons });
}

/**
 * @param {string} slug
 * @returns {Game|undefined} The game, once its module has registered it.
 */
export function registeredGame(slug) {
  return games.get(slug);
}
