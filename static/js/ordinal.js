// Placements as players read them: 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st,
// 22nd, 23rd, ... 101st, 111th, 112th.

/**
 * @param {number} place A placement, from 1.
 * @returns {string} The place with its English suffix.
 */
export function ordinal(place) {
  const teens = place % 100 >= 11 && place % 100 <= 13;
  const suffix = teens ? "th" : { 1: "st", 2: "nd", 3: "rd" }[place % 10] || "th";
  return `${place}${suffix}`;
}
