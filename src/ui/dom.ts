/**
 * The few DOM helpers the console needs. Text only ever goes in as text nodes (never HTML), which
 * is what lets the page run under `require-trusted-types-for 'script'`.
 */

/**
 * The element with this id, checked to be of `type` (default any HTML element); throws when the
 * page lacks it or it is another kind of element (a build mistake, not a user's).
 */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T;
export function byId(id: string): HTMLElement;
export function byId(id: string, type: new () => HTMLElement = HTMLElement): HTMLElement {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the console page has no ${type.name} #${id}`);
  return found;
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
