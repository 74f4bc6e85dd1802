import { describe, expect, it } from "vitest";
import { chooseLeader } from "./leadership.js";

describe("chooseLeader", () => {
  it.each([
    {
      behaviour: "keeps the lead with the member that holds it, whatever its id",
      members: [
        { memberId: "a", claims: false },
        { memberId: "c", claims: true },
        { memberId: "b", claims: false },
      ],
      leader: "c",
    },
    {
      behaviour: "gives the lead to the lowest member id when nobody holds it",
      members: [
        { memberId: "m-2", claims: false },
        { memberId: "m-1", claims: false },
      ],
      leader: "m-1",
    },
    {
      behaviour: "settles two claims (a split that healed) on the lowest id among the claimants",
      members: [
        { memberId: "z", claims: true },
        { memberId: "a", claims: false },
        { memberId: "k", claims: true },
      ],
      leader: "k",
    },
    { behaviour: "chooses nobody in an empty group", members: [], leader: undefined },
  ])("$behaviour", ({ members, leader }) => {
    expect(chooseLeader(members)).toBe(leader);
  });
});
