import { describe, expect, it } from "vitest";
import { chooseLeader } from "./leadership.js";

describe("chooseLeader", () => {
  it("keeps the lead with the member that holds it, whatever its id", () => {
    expect(
      chooseLeader([
        { memberId: "a", claims: false },
        { memberId: "c", claims: true },
        { memberId: "b", claims: false },
      ]),
    ).toBe("c");
  });

  it("gives the lead to the lowest member id when nobody holds it", () => {
    expect(
      chooseLeader([
        { memberId: "m-2", claims: false },
        { memberId: "m-1", claims: false },
      ]),
    ).toBe("m-1");
  });

  it("settles two claims (a split that healed) on the lowest id among the claimants", () => {
    expect(
      chooseLeader([
        { memberId: "z", claims: true },
        { memberId: "a", claims: false },
        { memberId: "k", claims: true },
      ]),
    ).toBe("k");
  });

  it("chooses nobody in an empty group", () => {
    expect(chooseLeader([])).toBeUndefined();
  });
});
