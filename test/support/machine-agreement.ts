// Scoring human-or-machine classifiers against the labelled request set, and the two baselines issue 14 names.
// Shared by test/machine-classify.test.ts and bench/classify-agreement.ts (bench imports test/support, not back).
import { isbot } from "isbot";
import type { InteractionFacts, ReasonFamily } from "../../src/machine/classify.ts";

export interface LabelledCase {
  id: string;
  label: "human" | "machine";
  /** The reason family the case truly belongs to (mpp, prefetch, scanner, generic, human). */
  family: ReasonFamily;
  note: string;
  source: string;
  facts: InteractionFacts;
}

export interface LabelledSet {
  description: string;
  cases: LabelledCase[];
}

/** A classifier reduced to its verdict. */
export type IsMachine = (facts: InteractionFacts) => boolean;

/** Baseline 1: isbot on the User-Agent, nothing else. */
export const isbotAlone: IsMachine = (f) => isbot(f.userAgent ?? "");

/** Baseline 2: isbot, or under 10 s after send, or HEAD, or an empty agent (what most peers do). */
export const isbotTimingHeadEmpty: IsMachine = (f) =>
  isbot(f.userAgent ?? "") ||
  (f.secondsSinceSend !== null && f.secondsSinceSend < 10) ||
  f.method.toUpperCase() === "HEAD" ||
  (f.userAgent ?? "").trim() === "";

export interface ClassAgreement {
  cases: number;
  agreed: number;
  /** agreed / cases, 0..1 (NaN for an empty class). */
  rate: number;
}

export interface Agreement {
  overall: ClassAgreement;
  human: ClassAgreement;
  machine: ClassAgreement;
  humanOpen: ClassAgreement;
  humanClick: ClassAgreement;
  machineOpen: ClassAgreement;
  machineClick: ClassAgreement;
  /** Share of human requests called machine, 0..1. */
  humansCalledMachine: number;
  /** Ids of the cases the classifier got wrong. */
  disagreements: string[];
}

function tally(cases: readonly LabelledCase[], wrong: ReadonlySet<string>): ClassAgreement {
  const agreed = cases.filter((c) => !wrong.has(c.id)).length;
  return { cases: cases.length, agreed, rate: agreed / cases.length };
}

/** Agreement of a classifier with the labels, overall and per class (human/machine × open/click). */
export function agreement(cases: readonly LabelledCase[], isMachine: IsMachine): Agreement {
  const wrong = new Set(cases.filter((c) => isMachine(c.facts) !== (c.label === "machine")).map((c) => c.id));
  const of = (label: LabelledCase["label"], kind?: InteractionFacts["kind"]) =>
    cases.filter((c) => c.label === label && (kind === undefined || c.facts.kind === kind));
  const human = tally(of("human"), wrong);
  return {
    overall: tally(cases, wrong),
    human,
    machine: tally(of("machine"), wrong),
    humanOpen: tally(of("human", "open"), wrong),
    humanClick: tally(of("human", "click"), wrong),
    machineOpen: tally(of("machine", "open"), wrong),
    machineClick: tally(of("machine", "click"), wrong),
    humansCalledMachine: (human.cases - human.agreed) / human.cases,
    disagreements: [...wrong],
  };
}
