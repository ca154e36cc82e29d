using System;
using System.Collections.Generic;
using System.Globalization;

namespace Workflowy;

/// <summary>
/// Renders a workflow graph, or a run with the current state of each of its tasks, as Mermaid, Graphviz DOT or a
/// self-contained SVG picture. See docs/graphs.md.
/// </summary>
/// <remarks>
/// <para>
/// The output is deterministic: tasks in index order, edges in the order the dependency lists give them (task by task),
/// numbers in the invariant culture, <c>\n</c> line endings. <see cref="ToMermaid(WorkflowGraph)"/> returns exactly the
/// generated <c>XRun.Mermaid</c> constant and <see cref="ToDot(WorkflowGraph)"/> exactly the generated <c>XRun.Dot</c>.
/// </para>
/// <para>
/// A run is rendered from one snapshot taken when rendering starts: its task list (graph tasks, then submitted tasks)
/// and each task's state and attempt count are read once, so every part of one picture shows the same state even
/// while the run goes on. Edges of graph tasks come from <see cref="WorkflowRun.Graph"/>, edges of submitted tasks
/// from the handles they were submitted to depend on.
/// </para>
/// </remarks>
public static partial class WorkflowRenderer
{
    /// <summary>
    /// The graph as a Mermaid flowchart: <c>flowchart TD</c>, one node <c>t{i}["name"]</c> per task, then one edge
    /// <c>t{d} --&gt; t{i}</c> per dependency. Equal to the generated <c>XRun.Mermaid</c> constant.
    /// </summary>
    /// <param name="graph">The graph.</param>
    public static string ToMermaid(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Mermaid(Model.Of(graph));
    }

    /// <summary>
    /// The run as a Mermaid flowchart: the same node and edge lines as <see cref="ToMermaid(WorkflowGraph)"/> for every
    /// task of the run (submitted tasks included), then a <c>classDef</c> line per state that occurs (its colours) and a
    /// <c>class t0,t3 completed</c> line per state assigning the tasks.
    /// </summary>
    /// <param name="run">The run; it may be running.</param>
    public static string ToMermaid(WorkflowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Mermaid(Model.Of(run));
    }

    /// <summary>
    /// The graph as Graphviz DOT: <c>digraph "name" {</c>, <c>node [shape=box];</c>, one node
    /// <c>t{i} [label="name"];</c> per task, one edge <c>t{d} -&gt; t{i};</c> per dependency, <c>}</c>. Equal to the
    /// generated <c>XRun.Dot</c> constant.
    /// </summary>
    /// <param name="graph">The graph.</param>
    public static string ToDot(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Dot(Model.Of(graph));
    }

    /// <summary>
    /// The run as Graphviz DOT: a graph label with the workflow name and run id, and per task a label with the name
    /// and the state (and attempts, when more than one), a tooltip saying the same, and the state's colours
    /// (<c>style="filled"</c>, <c>fillcolor</c>, <c>color</c>; skipped tasks are dashed). Edges as in
    /// <see cref="ToDot(WorkflowGraph)"/>.
    /// </summary>
    /// <param name="run">The run; it may be running.</param>
    public static string ToDot(WorkflowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Dot(Model.Of(run));
    }

    /// <summary>
    /// The graph as a self-contained SVG document, every task in a neutral colour. Layout as in
    /// <see cref="ToSvg(WorkflowRun)"/>.
    /// </summary>
    /// <param name="graph">The graph.</param>
    public static string ToSvg(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Svg(Model.Of(graph));
    }

    /// <summary>
    /// The run as a self-contained SVG document (no scripts, no external fonts or style sheets): tasks as rounded
    /// boxes filled with their state's colour, showing the name and the state; edges as curves with an arrowhead; a
    /// legend of the states present; the workflow name and run id as heading and <c>&lt;title&gt;</c>.
    /// </summary>
    /// <remarks>
    /// Layers are rows, top to bottom: a task's depth is 0 without dependencies, else one more than its deepest
    /// dependency. An edge that spans several rows passes through a reserved slot in each row it crosses, so it
    /// never runs through a box. Within a row, tasks are ordered by the mean horizontal position of their
    /// dependencies (then by index) and placed as near that position as their neighbours allow. Text widths are
    /// estimated from the characters, so no font is measured.
    /// </remarks>
    /// <param name="run">The run; it may be running.</param>
    public static string ToSvg(WorkflowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Svg(Model.Of(run));
    }

    /// <summary>
    /// A run known only by its states (a stored run, read back from its checkpoint) as SVG: the graph drawn as
    /// <see cref="ToSvg(WorkflowRun)"/> draws a run, with <paramref name="states"/> and <paramref name="attempts"/>
    /// given per graph task.
    /// </summary>
    /// <param name="graph">The workflow's graph.</param>
    /// <param name="runId">The run's id, shown in the heading.</param>
    /// <param name="states">Each graph task's state, by index; as many as the graph has tasks.</param>
    /// <param name="attempts">Each graph task's attempts started, by index; null for none shown.</param>
    public static string ToSvg(WorkflowGraph graph, string runId, IReadOnlyList<TaskState> states, IReadOnlyList<int>? attempts = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count != graph.Count || (attempts is not null && attempts.Count != graph.Count))
        {
            throw new ArgumentException($"Give one state (and one attempt count) per task of {graph.Name}: it has {graph.Count} tasks, {states.Count} states were given.", nameof(states));
        }

        return Svg(Model.Of(graph, runId, states, attempts));
    }

    // ---------------------------------------------------------------- what every format shares

    private const string NeutralFill = "#eceff1";
    private const string NeutralStroke = "#607d8b";
    private const string TextColour = "#212121";
    private const string SubtleTextColour = "#546e7a";
    private const string EdgeColour = "#78909c";

    /// <summary>
    /// Per state (by its value), its lower-case name as used in the renderings and its fill and border colours (see the
    /// table in docs/graphs.md); one more entry, <c>unknown</c>, for a value outside the enum.
    /// </summary>
    private static readonly NodeClass[] StateClasses =
    [
        new("pending", "#ffffff", "#9e9e9e", dashed: false),
        new("ready", "#ffffff", "#455a64", dashed: false),
        new("running", "#bbdefb", "#1976d2", dashed: false),
        new("retrying", "#ffe0b2", "#ef6c00", dashed: false),
        new("completed", "#c8e6c9", "#388e3c", dashed: false),
        new("failed", "#ffcdd2", "#d32f2f", dashed: false),
        new("cancelled", "#e0e0e0", "#616161", dashed: false),
        new("skipped", "#f5f5f5", "#9e9e9e", dashed: true),
        new("unknown", "#ffffff", "#9e9e9e", dashed: false),
    ];

    /// <summary>The number of states; <see cref="StateClasses"/> has one more entry.</summary>
    private const int StateCount = (int)TaskState.Skipped + 1;

    /// <summary>The index of a state in <see cref="StateClasses"/>.</summary>
    private static int ClassIndex(TaskState state) => (uint)state < StateCount ? (int)state : StateCount;

    /// <summary>The name and colours of a state.</summary>
    private static NodeClass StateClass(TaskState state) => StateClasses[ClassIndex(state)];

    /// <summary>"completed", or "failed, 3 attempts" when more than one attempt was started.</summary>
    private static string StateText(Model model, int i)
    {
        var text = StateClass(model.States![i]).Name;
        var attempts = model.Attempts![i];
        return attempts > 1 ? text + ", " + Int(attempts) + " attempts" : text;
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
