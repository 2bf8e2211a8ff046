export { type RenderHumanOptions, renderPlanHuman } from "./plan-human.js";
export {
  type PlanJson,
  type PlanJsonChange,
  type PlanJsonWarning,
  type RenderJsonOptions,
  renderPlanJson,
} from "./plan-json.js";
