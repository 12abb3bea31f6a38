// A player's name as every part of a match's pages shows it: "(you)" for the viewer, "[bot]"
// for a seat the game's bot plays (whatever name a person may have picked). `net` is the
// play page's connection or the replay's playback: both hold `players` and `you`.

/**
 * @param {{players: Object<string, {name: string, bot: boolean}>, you: ?string}} net
 * @param {string} player A player id.
 * @returns {string} The name to show.
 */
export function playerName(net, player) {
  const seat = net.players[player];
  const name = seat ? seat.name : `Player ${player}`;
  if (seat && seat.bot) return `${name} [bot]`;
  return player === net.you ? `${name} (you)` : name;
}
