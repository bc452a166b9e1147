/**
 * The few DOM helpers the console needs. Text only ever goes in as text nodes (never HTML), which
 * is what lets the page run under `require-trusted-types-for 'script'`.
 */

/** The element with this id; throws when the page lacks it (a build mistake, not a user's). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the console page has no #${id}`);
  return found as T;
}

type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (`class`, `data-*`, …) and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

/** Replaces an element's children. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
