// Copyright 2026 the iommulab authors. MIT license.
/**
 * Plots: a Vega-Lite spec compiled with vega-lite and rendered to SVG by
 * vega's headless view (no canvas, no browser).
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";

/** A Vega-Lite specification (a top-level JSON object). */
export type VegaLiteSpec = Record<string, unknown>;

/** Renders `spec` to an SVG document (a string starting with `<svg`). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`spec must be a Vega-Lite object, got ${String(spec)}`);
  }
  // deno-lint-ignore no-explicit-any
  const compiled = vl.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
