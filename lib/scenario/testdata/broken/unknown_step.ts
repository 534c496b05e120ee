// Copyright 2026 the iommulab authors. MIT license.
// A step kind that does not exist.
export default {
  scenarios: [{
    name: "misspelt_step",
    subjects: { iova: { variant: "rbtree-6.12" } },
    steps: [
      { op: "alloc", size: 1, limit: "32bit", as: "a" },
      { op: "free", iova: "a" },
      { op: "allocate", size: 1, limit: "32bit" },
    ],
  }],
};
