/** Keeps the last `max` characters of a growing text (verify output, build log). */
export class OutputTail {
  private parts: string[] = [];
  private length = 0;
  total = 0;

  constructor(private readonly max: number) {}

  push(text: string): void {
    this.parts.push(text);
    this.length += text.length;
    this.total += text.length;
    while (this.length - (this.parts[0]?.length ?? 0) >= this.max && this.parts.length > 1) {
      this.length -= this.parts.shift()!.length;
    }
  }

  text(): string {
    const all = this.parts.join("");
    return all.length > this.max ? all.slice(all.length - this.max) : all;
  }
}
