// Vega-Lite charts in the page without 'unsafe-eval': the spec is parsed to an expression AST and evaluated by
// vega-interpreter instead of compiled with new Function, so the page's content security policy can forbid eval.
import * as vega from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Renders `spec` as SVG into `container`; finalize the returned view before drawing another there. */
export async function renderChart(container: HTMLElement, spec: TopLevelSpec, hover = false): Promise<vega.View> {
  const runtime = vega.parse(compile(spec).spec, undefined, { ast: true });
  const view = new vega.View(runtime, { renderer: 'svg', container, hover, expr: expressionInterpreter });
  await view.runAsync();
  return view;
}
