"""WCAG 2.2 AA text contrast (1.4.3), measured in the page on what it shows right now.

Every visible element with text of its own, every form control's value or placeholder, is
checked: its computed colour (with its alpha and the opacity of it and its ancestors) over
the background that shows behind it, found by walking up its ancestors and compositing
their background colours down to the first opaque one (the canvas is white). Normal text
needs 4.5:1, large text (24 px, or 18.66 px and bold) 3:1. Text of a disabled or
`aria-disabled` control is exempt, as WCAG exempts inactive components; so is text that is
only there for screen readers (`.visually-hidden`).
"""

from __future__ import annotations

from playwright.sync_api import Page

CONTRAST_FAILURES = """() => {
  function parse(colour) {
    const match = colour.match(/^rgba?\\(([^)]*)\\)$/);
    const parts = match ? match[1].split(",").map(Number) : [];
    if (parts.length < 3 || parts.some(Number.isNaN)) {
      throw new Error(`cannot read the colour ${colour}`);
    }
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  }
  // `top` (with its alpha) painted over the opaque `bottom`.
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
  }
  function background(element) {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  }
  function opacity(element) {
    let product = 1;
    for (let node = element; node; node = node.parentElement) {
      product *= +getComputedStyle(node).opacity;
    }
    return product;
  }
  function luminance(colour) {
    const [r, g, b] = colour.slice(0, 3).map((value) => {
      const c = value / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function ratio(a, b) {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  }
  function ownText(element) {
    if (element.matches("input, textarea")) {
      if (["hidden", "checkbox", "radio"].includes(element.type)) return ["", null];
      if (element.value) return [element.value, null];
      return [element.placeholder, "::placeholder"];
    }
    if (element.matches("select")) {
      return [element.selectedOptions[0] ? element.selectedOptions[0].text : "", null];
    }
    if (element.closest("select")) return ["", null];
    const text = [...element.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent)
      .join("")
      .trim();
    return [text, null];
  }
  const failures = [];
  let checked = 0;
  for (const element of document.body.querySelectorAll("*")) {
    const [text, pseudo] = ownText(element);
    if (!text) continue;
    if (!element.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const box = element.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    if (element.closest(".visually-hidden, :disabled, [aria-disabled='true']")) continue;
    const style = getComputedStyle(element, pseudo);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && +style.fontWeight >= 700);
    const behind = background(element);
    const fg = parse(style.color);
    fg[3] *= opacity(element);
    const measured = ratio(over(fg, behind), behind);
    const needed = large ? 3 : 4.5;
    checked += 1;
    if (measured < needed) {
      const classes = [...element.classList].map((name) => `.${name}`).join("");
      const where = element.id ? `#${element.id}` : classes;
      failures.push(
        `${element.tagName.toLowerCase()}${where}${pseudo || ""} "${text.slice(0, 40)}":` +
          ` ${style.color} on rgb(${behind.slice(0, 3).map(Math.round).join(", ")})` +
          ` is ${measured.toFixed(2)}:1, needs ${needed}:1`,
      );
    }
  }
  return { checked, failures };
}"""


def contrast_failures(page: Page) -> list[str]:
    """Every visible text on the page that is below AA contrast, in words; [] if none.

    Raises if the page shows no text at all, which would make the check pass vacuously."""
    result = page.evaluate(CONTRAST_FAILURES)
    assert result["checked"] > 0, f"{page.url}: no text to check"
    return [f"{page.url}: {failure}" for failure in result["failures"]]
