// Copyright 2026 the iommulab authors. MIT license.
// A field the step kind does not have.
export default {
  scenarios: [{
    name: "reserve_with_typo",
    subjects: { iova: {} },
    steps: [{ op: "reserve", lo: 10, hi: 20, aligend: true }],
  }],
};
