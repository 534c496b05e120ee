// Copyright 2026 the iommulab authors. MIT license.
/**
 * `deno task scenario:schema`: regenerates the scenario schema reference in
 * README.md from the one zod schema (then `deno fmt README.md`); `--check`
 * exits 1 if it is stale.
 *
 * @module
 */
import {
  readme_reference_is_fresh,
  update_readme_reference,
} from "../lib/scenario/mod.ts";

if (import.meta.main) {
  const path = new URL("../README.md", import.meta.url);
  const readme = await Deno.readTextFile(path);
  if (Deno.args.includes("--check")) {
    if (!readme_reference_is_fresh(readme)) {
      console.error(
        "README.md: the scenario reference is stale; run deno task scenario:schema",
      );
      Deno.exit(1);
    }
  } else if (!readme_reference_is_fresh(readme)) {
    await Deno.writeTextFile(path, update_readme_reference(readme));
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", path.pathname],
    }).output();
    if (!fmt.success) Deno.exit(1);
    console.log("README.md: scenario reference updated");
  }
}
