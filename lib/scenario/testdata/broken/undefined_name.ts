// Copyright 2026 the iommulab authors. MIT license.
// A reference to a name no earlier step defines.
export default {
  scenarios: [{
    name: "free_below_undefined",
    subjects: { iova: { variant: ["maple-v3", "maple-v4"] } },
    steps: [
      { op: "alloc", size: 8, limit: "32bit", aligned: true, as: "a" },
      { op: "find", pfn: "$b.pfn_hi", expect: "$a" },
    ],
  }],
};
