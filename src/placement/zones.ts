/**
 * Zone-aware replica choice (DESIGN.md, Placement: replicas of a partition
 * spread over distinct zones first). Members are numbered, and each member has
 * a zone number. A member without a zone gets a zone number of its own, so a
 * cluster that declares no zones places replicas by pure rendezvous rank.
 */

/**
 * Zone numbers of `zones` (one entry per member, `undefined` or `''` for none):
 * members that declare the same zone share a number, every other member has
 * its own.
 */
export function zoneNumbers(zones: readonly (string | undefined)[]): Int32Array {
  const numbers = new Int32Array(zones.length);
  const named = new Map<string, number>();
  let next = 0;
  zones.forEach((zone, member) => {
    if (!zone) {
      numbers[member] = next++;
      return;
    }
    let number = named.get(zone);
    if (number === undefined) {
      number = next++;
      named.set(zone, number);
    }
    numbers[member] = number;
  });
  return numbers;
}

/**
 * Picks up to `count` members that pass `eligible` from `ranked` (member
 * numbers, best first): first the best of each zone not in `usedZones`, then,
 * once distinct zones run out, the rest in rank order. Returns them in that
 * choice order and adds the zones it used to `usedZones`.
 */
export function pickAcrossZones(
  ranked: ArrayLike<number>,
  count: number,
  zoneOf: ArrayLike<number>,
  usedZones: number[],
  eligible: (member: number) => boolean,
): number[] {
  const picked: number[] = [];
  for (let i = 0; i < ranked.length && picked.length < count; i++) {
    const member = ranked[i]!;
    const zone = zoneOf[member]!;
    if (!usedZones.includes(zone) && eligible(member)) {
      picked.push(member);
      usedZones.push(zone);
    }
  }
  for (let i = 0; i < ranked.length && picked.length < count; i++) {
    const member = ranked[i]!;
    if (!picked.includes(member) && eligible(member)) picked.push(member);
  }
  return picked;
}
