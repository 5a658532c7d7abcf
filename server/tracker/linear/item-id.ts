/**
 * Linear item ids, canonical (issue 16): `linear:ENG-42`, the identifier (team key, dash,
 * number) behind the tracker's name. The identifier is what people see and what Linear's
 * `issue(id:)` accepts besides the UUID; the team key is also what the repository mapping is keyed
 * on (FLEET_LINEAR_REPOS), since a Linear issue names no repository. Parsing is bounded and anchored:
 * the id arrives from webhooks and manifests (hostile input).
 */
export interface LinearItemRef {
  /** the team's key, upper case (`ENG`) */
  team: string;
  number: number;
  /** `ENG-42` */
  identifier: string;
}

/** Linear team keys: a letter, then letters/digits, at most 7 (Linear's own limit is 5; we allow headroom). */
export const TEAM_KEY = /^[A-Z][A-Z0-9]{0,6}$/;
const IDENTIFIER = /^([A-Z][A-Z0-9]{0,6})-([1-9][0-9]{0,8})$/;

/** `ENG-42` → ref; undefined when it is not an identifier (the caller names the field). */
export function parseIdentifier(text: string): LinearItemRef | undefined {
  const m = IDENTIFIER.exec(text);
  if (!m) return undefined;
  return { team: m[1]!, number: Number(m[2]), identifier: text };
}

/** `linear:ENG-42` → ref; undefined for anything else (another tracker's id included). */
export function parseLinearItemId(id: string): LinearItemRef | undefined {
  if (!id.startsWith("linear:")) return undefined;
  return parseIdentifier(id.slice("linear:".length));
}

export const linearItemId = (identifier: string): string => `linear:${identifier}`;
