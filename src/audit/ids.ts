// Sortable unique ids for records (ULID layout: 48-bit ms time + 80 random bits, Crockford base32).
import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const pool = Buffer.alloc(16 * 512);
let poolPos = pool.length;

export function newId(ms: number = Date.now()): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  if (poolPos + 16 > pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  let rand = "";
  for (let i = 0; i < 16; i++) rand += ALPHABET[pool[poolPos + i]! & 31];
  poolPos += 16;
  return time + rand;
}
