/**
 * Test helper: synthesizes the Attune stack for a context, without bundling
 * (fast), and caches the result per context in its process (the CDK test
 * files share their processes: vitest.config.ts, project cdk). cdk-nag runs
 * only when asked: its first validation in a process loads most of
 * aws-cdk-lib's service modules (~10 s of CPU), which only nag.test.ts needs.
 * CDK's built-in CloudFormation validation runs only when asked too: it costs
 * ~0.5 s of CPU a synth plus ~5 s to start its engine in each process, and it
 * only warns; nag.test.ts asserts that it finds nothing in the stack.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttuneStack, addAttune } from '../../infra/stacks/attune-stack';
import { readSettings } from '../../infra/stacks/settings';

export interface Synth {
  app: App;
  stack: AttuneStack;
  template: Template;
}

const cache = new Map<string, Synth>();

/** Context values besides the bundling switch; `bundle: true` runs esbuild for real. */
export function synth(
  context: Record<string, unknown> = {},
  opts: { bundle?: boolean; nag?: boolean; validate?: boolean } = {},
): Synth {
  const key = JSON.stringify({ context, opts });
  const hit = cache.get(key);
  if (hit) return hit;
  const app = new App({
    builtinCloudFormationValidation: opts.validate ?? false,
    context: { ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stack = opts.nag ? addAttune(app) : new AttuneStack(app, 'Attune', { settings: readSettings(app) });
  const template = Template.fromStack(stack);
  const result = { app, stack, template };
  cache.set(key, result);
  return result;
}

/** The CloudFormation logical id of a construct's default resource. */
export function logicalId(stack: AttuneStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string; Sid?: string };

/** Every IAM statement attached to a role (all AWS::IAM::Policy resources naming it). */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Statement[] = [];
  for (const p of Object.values(policies)) {
    const roles = (p.Properties.Roles ?? []) as { Ref: string }[];
    if (roles.some((r) => r.Ref === roleLogicalId)) out.push(...(p.Properties.PolicyDocument.Statement as Statement[]));
  }
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  for (const inline of (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]) {
    out.push(...inline.PolicyDocument.Statement);
  }
  return out;
}

/** Every action a role is allowed, flattened. */
export function roleActions(template: Template, roleLogicalId: string): string[] {
  return roleStatements(template, roleLogicalId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}
