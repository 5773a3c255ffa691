// Architecture diagrams drawn from the models themselves. Re-exports and the one-call entry point.
export { traceModel, blockModules, type Trace, type TraceInput, type ModuleCall } from './trace.js';
export { buildGraph, type DiagramGraph, type DiagramNode, type DiagramEdge } from './graph.js';
export { renderSvg } from './svg.js';
export { DIAGRAM_MODELS, subjectFromCheckpoint, subjectFromPreset, type DiagramModel, type DiagramSubject } from './models.js';

import { buildGraph, type DiagramGraph } from './graph.js';
import type { DiagramSubject } from './models.js';
import { renderSvg } from './svg.js';
import { traceModel } from './trace.js';

/**
 * Traces one forward pass of the subject and draws it.
 *
 * @example const { svg } = drawDiagram(subjectFromPreset('cgan-generator', 'cpu'));
 */
export function drawDiagram(subject: DiagramSubject): { graph: DiagramGraph; svg: string } {
  const trace = traceModel(subject.module, subject.inputs, subject.call);
  const graph = buildGraph(subject.module, trace, { title: subject.title });
  return { graph, svg: renderSvg(graph) };
}
