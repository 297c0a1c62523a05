/**
 * A running fingerprint of everything that happened in a run (deliveries, engine actions, timeouts), so a
 * determinism test can compare two runs of one seed without keeping either trace. Two FNV-1a lanes with
 * different primes: not cryptographic, only meant to notice any divergence.
 */
export class TraceHash {
  private a = 0x811c9dc5;
  private b = 0x050c5d1f;
  private count = 0;

  add(line: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000199);
    }
    // A separator, so "ab"+"c" and "a"+"bc" differ.
    this.a = Math.imul(a ^ 10, 0x01000193);
    this.b = Math.imul(b ^ 10, 0x01000199);
    this.count++;
  }

  get lines(): number {
    return this.count;
  }

  digest(): string {
    return `${(this.a >>> 0).toString(16).padStart(8, "0")}${(this.b >>> 0).toString(16).padStart(8, "0")}:${this.count}`;
  }
}
