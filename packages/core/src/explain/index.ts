// The explanation of a run: its timeline and the causal story of each violation (`flushlab explain`).
export { type Explanation, explainRun, explainScenario } from "./explain.js";
export {
  buildStories,
  type CausalStory,
  describeStoryStep,
  reachesTarget,
  type StoryAccess,
  type StoryHook,
  type StoryStep,
  type StoryTarget,
  type StoryWriter,
} from "./story.js";
export {
  buildTimeline,
  type ExplainGeometry,
  explainGeometry,
  type TimelineAccess,
  type TimelineDma,
  type TimelineEntry,
  type TimelineHook,
  type TimelineMaintenance,
  type TimelineStep,
  type TimelineTlbFlush,
  type TimelineViolation,
  type TouchedLine,
  timelineEntries,
} from "./timeline.js";
