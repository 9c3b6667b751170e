// Templates shipped with Warden, selectable with `extends:` (TypeScript objects: no YAML on the hot path).
import type { PolicyDocument } from "../document.ts";
import { ciTemplate } from "./ci.ts";
import { defaultTemplate } from "./default.ts";
import { devopsTemplate } from "./devops.ts";
import { infraLockdownTemplate } from "./infra-lockdown.ts";
import { strictTemplate } from "./strict.ts";

export const TEMPLATES: Readonly<Record<string, PolicyDocument>> = {
  default: defaultTemplate,
  strict: strictTemplate,
  "infra-lockdown": infraLockdownTemplate,
  devops: devopsTemplate,
  ci: ciTemplate,
};

export { INFRA_PROGRAMS } from "./infra-lockdown.ts";
