// Copyright 2026 the iommulab authors. MIT license.
/**
 * printf-style formatting for `_MSG` expectations and `KUNIT_FAIL`, so that
 * kernel format strings port verbatim (`"size %lu at %#lx", size, pfn`).
 *
 * @module
 */

const SPEC =
  /%([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?(hh|h|ll|l|z|t|j)?([diouxXcspa%])/g;

function to_bigint(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return 0n;
}

/**
 * Formats like the kernel's `vsnprintf` for the common conversions:
 * `%d %i %u %x %X %o %c %s %p %px %%` with flags, width, precision and the
 * `l`/`ll`/`z`/`h` length modifiers (integers are 64-bit; negative values
 * under `%u`/`%x` print in two's complement). A non-integer number under an
 * integer conversion prints as JavaScript prints it.
 */
export function kunit_format(fmt: string, ...args: unknown[]): string {
  let ai = 0;
  return fmt.replace(
    SPEC,
    (_m, flags: string, width: string | undefined, prec, _len, conv) => {
      if (conv === "%") return "%";
      let w = width === "*" ? Number(args[ai++]) : Number(width ?? 0);
      const v = args[ai++];
      let body: string;
      let sign = "";
      const zero = flags.includes("0") && !flags.includes("-");
      switch (conv) {
        case "d":
        case "i": {
          if (typeof v === "number" && !Number.isInteger(v)) {
            body = String(v);
            break;
          }
          const b = BigInt.asIntN(64, to_bigint(v));
          sign = b < 0n ? "-" : flags.includes("+") ? "+" : "";
          body = (b < 0n ? -b : b).toString();
          break;
        }
        case "u":
        case "x":
        case "X":
        case "o": {
          if (typeof v === "number" && !Number.isInteger(v)) {
            body = String(v);
            break;
          }
          const b = BigInt.asUintN(64, to_bigint(v));
          const radix = conv === "u" ? 10 : conv === "o" ? 8 : 16;
          body = b.toString(radix);
          if (conv === "X") body = body.toUpperCase();
          if (flags.includes("#") && b !== 0n && radix !== 10) {
            sign = radix === 8 ? "0" : conv === "X" ? "0X" : "0x";
          }
          break;
        }
        case "c":
          body = typeof v === "number" ? String.fromCharCode(v) : String(v);
          break;
        case "p":
          body = typeof v === "object" && v !== null
            ? "(____ptrval____)"
            : String(v);
          break;
        default:
          body = v === null ? "(null)" : String(v);
          if (prec !== undefined) body = body.slice(0, Number(prec));
      }
      if (w < 0) w = 0;
      const len = sign.length + body.length;
      if (len >= w) return sign + body;
      if (flags.includes("-")) return sign + body + " ".repeat(w - len);
      if (zero && conv !== "s" && conv !== "c") {
        return sign + "0".repeat(w - len) + body;
      }
      return " ".repeat(w - len) + sign + body;
    },
  );
}
