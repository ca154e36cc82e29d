using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

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
public static class WorkflowRenderer
{
    private const int StateCount = (int)TaskState.Skipped + 1;

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

    /// <summary>The lower-case name of a state, as used in the renderings (<c>completed</c>, <c>failed</c>, ...).</summary>
    private static string StateName(TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.Ready => "ready",
        TaskState.Running => "running",
        TaskState.Retrying => "retrying",
        TaskState.Completed => "completed",
        TaskState.Failed => "failed",
        TaskState.Cancelled => "cancelled",
        TaskState.Skipped => "skipped",
        _ => "unknown",
    };

    /// <summary>Fill and border colours per state (see the table in docs/graphs.md).</summary>
    private static (string Fill, string Stroke, bool Dashed) Colours(TaskState state) => state switch
    {
        TaskState.Pending => ("#ffffff", "#9e9e9e", false),
        TaskState.Ready => ("#ffffff", "#455a64", false),
        TaskState.Running => ("#bbdefb", "#1976d2", false),
        TaskState.Retrying => ("#ffe0b2", "#ef6c00", false),
        TaskState.Completed => ("#c8e6c9", "#388e3c", false),
        TaskState.Failed => ("#ffcdd2", "#d32f2f", false),
        TaskState.Cancelled => ("#e0e0e0", "#616161", false),
        TaskState.Skipped => ("#f5f5f5", "#9e9e9e", true),
        _ => ("#ffffff", "#9e9e9e", false),
    };

    private const string NeutralFill = "#eceff1";
    private const string NeutralStroke = "#607d8b";
    private const string TextColour = "#212121";
    private const string SubtleTextColour = "#546e7a";
    private const string EdgeColour = "#78909c";

    /// <summary>"completed", or "failed, 3 attempts" when more than one attempt was started.</summary>
    private static string StateText(Model model, int i)
    {
        var text = StateName(model.States![i]);
        var attempts = model.Attempts![i];
        return attempts > 1 ? text + ", " + Int(attempts) + " attempts" : text;
    }

    // ---------------------------------------------------------------- Mermaid

    private static string Mermaid(Model model)
    {
        var builder = new StringBuilder("flowchart TD\n");
        for (var i = 0; i < model.Count; i++)
        {
            builder.Append("    t").Append(Int(i)).Append("[\"").Append(MermaidLabel(model.Names[i])).Append("\"]\n");
        }

        for (var i = 0; i < model.Count; i++)
        {
            foreach (var d in model.Dependencies[i])
            {
                builder.Append("    t").Append(Int(d)).Append(" --> t").Append(Int(i)).Append('\n');
            }
        }

        if (model.States is { } states)
        {
            for (var s = 0; s < StateCount; s++)
            {
                if (Array.IndexOf(states, (TaskState)s) < 0)
                {
                    continue;
                }

                var (fill, stroke, dashed) = Colours((TaskState)s);
                builder.Append("    classDef ").Append(StateName((TaskState)s))
                    .Append(" fill:").Append(fill).Append(",stroke:").Append(stroke).Append(",color:").Append(TextColour);
                if (dashed)
                {
                    builder.Append(",stroke-dasharray:5 5");
                }

                builder.Append('\n');
            }

            for (var s = 0; s < StateCount; s++)
            {
                var first = true;
                for (var i = 0; i < states.Length; i++)
                {
                    if (states[i] != (TaskState)s)
                    {
                        continue;
                    }

                    builder.Append(first ? "    class t" : ",t").Append(Int(i));
                    first = false;
                }

                if (!first)
                {
                    builder.Append(' ').Append(StateName((TaskState)s)).Append('\n');
                }
            }
        }

        return builder.ToString();
    }

    /// <summary>As the generator escapes labels: <c>"</c> to <c>#quot;</c>, newline to a space, carriage return removed.</summary>
    private static string MermaidLabel(string text) => text.Replace("\"", "#quot;").Replace("\n", " ").Replace("\r", string.Empty);

    // ---------------------------------------------------------------- DOT

    private static string Dot(Model model)
    {
        var builder = new StringBuilder();
        builder.Append("digraph \"").Append(DotString(model.Name)).Append("\" {\n");
        builder.Append("    node [shape=box];\n");
        if (model.RunId is { } runId)
        {
            builder.Append("    label=\"").Append(DotString(model.Name + " run " + runId)).Append("\";\n");
            builder.Append("    labelloc=\"t\";\n");
        }

        for (var i = 0; i < model.Count; i++)
        {
            builder.Append("    t").Append(Int(i)).Append(" [label=\"").Append(DotString(model.Names[i]));
            if (model.States is { } states)
            {
                var state = StateText(model, i);
                var (fill, stroke, dashed) = Colours(states[i]);
                builder.Append("\\n").Append(DotString(state)).Append('"')
                    .Append(", style=\"").Append(dashed ? "filled,dashed" : "filled").Append('"')
                    .Append(", fillcolor=\"").Append(fill).Append('"')
                    .Append(", color=\"").Append(stroke).Append('"')
                    .Append(", tooltip=\"").Append(DotString(model.Names[i] + ": " + state)).Append('"');
            }
            else
            {
                builder.Append('"');
            }

            builder.Append("];\n");
        }

        for (var i = 0; i < model.Count; i++)
        {
            foreach (var d in model.Dependencies[i])
            {
                builder.Append("    t").Append(Int(d)).Append(" -> t").Append(Int(i)).Append(";\n");
            }
        }

        builder.Append("}\n");
        return builder.ToString();
    }

    /// <summary>Escapes a DOT quoted string: <c>\</c> to <c>\\</c>, <c>"</c> to <c>\"</c>, newline to <c>\n</c>.</summary>
    private static string DotString(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    // ---------------------------------------------------------------- SVG

    private const double Margin = 24;
    private const double HeadingHeight = 34;
    private const double NameFontSize = 13;
    private const double StateFontSize = 11;
    private const double HeadingFontSize = 15;
    private const double LegendFontSize = 12;
    private const double NodePadding = 14;
    private const double MinNodeWidth = 64;
    private const double RunNodeHeight = 44;
    private const double GraphNodeHeight = 32;
    private const double LayerGap = 56;
    private const double NodeGap = 28;
    private const double SlotWidth = 10;
    private const double SlotGap = 12;
    private const double LegendGap = 28;
    private const double SwatchSize = 14;

    private static string Svg(Model model)
    {
        var layout = Layout.Build(model);
        var nodeHeight = model.States is null ? GraphNodeHeight : RunNodeHeight;

        // The run id is measured as digits, whatever its characters, so that runs of one workflow get one layout.
        var headingWidth = TextWidth(model.Name, HeadingFontSize, bold: true) +
                           (model.RunId is null ? 0 : 8 + TextWidth("run ", HeadingFontSize, bold: false) + (model.RunId.Length * 0.64 * HeadingFontSize));

        // The legend: one item per state present, in state order, with its count.
        var legend = new List<(TaskState State, string Text, double Width)>();
        if (model.States is { } states)
        {
            for (var s = 0; s < StateCount; s++)
            {
                var count = 0;
                foreach (var state in states)
                {
                    if (state == (TaskState)s)
                    {
                        count++;
                    }
                }

                if (count > 0)
                {
                    var text = StateName((TaskState)s) + " (" + Int(count) + ")";
                    legend.Add(((TaskState)s, text, SwatchSize + 6 + TextWidth(text, LegendFontSize, bold: false)));
                }
            }
        }

        var legendWidth = 0.0;
        foreach (var item in legend)
        {
            legendWidth += item.Width;
        }

        legendWidth += Math.Max(0, legend.Count - 1) * 20;

        var innerWidth = Math.Max(Math.Max(layout.Width, headingWidth), Math.Max(legendWidth, 160));
        var offsetX = Margin + ((innerWidth - layout.Width) / 2);
        var top = Margin + HeadingHeight;
        var graphHeight = layout.LayerCount == 0 ? 0 : (layout.LayerCount * nodeHeight) + ((layout.LayerCount - 1) * LayerGap);
        var legendTop = top + graphHeight + (legend.Count == 0 ? 0 : LegendGap);
        var width = innerWidth + (2 * Margin);
        var height = legendTop + (legend.Count == 0 ? 0 : SwatchSize) + Margin;

        double LayerTop(int layer) => top + (layer * (nodeHeight + LayerGap));

        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Num(width)).Append("\" height=\"").Append(Num(height))
            .Append("\" viewBox=\"0 0 ").Append(Num(width)).Append(' ').Append(Num(height))
            .Append("\" font-family=\"Segoe UI, Helvetica, Arial, sans-serif\" role=\"img\">\n");
        svg.Append("  <title>").Append(Xml(model.RunId is null ? model.Name : model.Name + " run " + model.RunId)).Append("</title>\n");
        svg.Append("  <defs>\n");
        svg.Append("    <marker id=\"wfy-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\n");
        svg.Append("      <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"").Append(EdgeColour).Append("\"/>\n");
        svg.Append("    </marker>\n");
        svg.Append("  </defs>\n");
        svg.Append("  <rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");

        // Heading: the workflow name, and the run id in a lighter colour.
        svg.Append("  <text class=\"heading\" x=\"").Append(Num(Margin)).Append("\" y=\"").Append(Num(Margin + HeadingFontSize))
            .Append("\" font-size=\"").Append(Num(HeadingFontSize)).Append("\" fill=\"").Append(TextColour).Append("\">")
            .Append("<tspan font-weight=\"700\">").Append(Xml(model.Name)).Append("</tspan>");
        if (model.RunId is { } runId)
        {
            svg.Append("<tspan dx=\"8\" fill=\"").Append(SubtleTextColour).Append("\">run ").Append(Xml(runId)).Append("</tspan>");
        }

        svg.Append("</text>\n");

        // Edges first, so boxes are drawn over their ends.
        svg.Append("  <g class=\"edges\" fill=\"none\" stroke=\"").Append(EdgeColour).Append("\" stroke-width=\"1.5\">\n");
        foreach (var route in layout.Routes)
        {
            var chain = route.Chain;
            var source = layout.Nodes[chain[0]];
            var target = layout.Nodes[chain[^1]];
            var x = offsetX + route.StartX;
            var y = LayerTop(source.Layer) + nodeHeight;
            var path = new StringBuilder();
            path.Append("M ").Append(Num(x)).Append(' ').Append(Num(y));
            for (var k = 1; k < chain.Length; k++)
            {
                var node = layout.Nodes[chain[k]];
                var last = k == chain.Length - 1;
                var nextX = offsetX + (last ? route.EndX : node.Left + (node.Width / 2));
                var nextY = LayerTop(node.Layer);
                var bend = (nextY - y) / 2;
                path.Append(" C ").Append(Num(x)).Append(' ').Append(Num(y + bend))
                    .Append(", ").Append(Num(nextX)).Append(' ').Append(Num(nextY - bend))
                    .Append(", ").Append(Num(nextX)).Append(' ').Append(Num(nextY));
                x = nextX;
                y = nextY;
                if (!last)
                {
                    // A slot in a row the edge crosses: straight down through it.
                    y = nextY + nodeHeight;
                    path.Append(" L ").Append(Num(x)).Append(' ').Append(Num(y));
                }
            }

            svg.Append("    <path class=\"edge\" data-from=\"t").Append(Int(route.From)).Append("\" data-to=\"t").Append(Int(route.To))
                .Append("\" d=\"").Append(path).Append("\" marker-end=\"url(#wfy-arrow)\"/>\n");
        }

        svg.Append("  </g>\n");

        // Tasks.
        svg.Append("  <g class=\"tasks\">\n");
        for (var i = 0; i < model.Count; i++)
        {
            var node = layout.Nodes[i];
            var left = offsetX + node.Left;
            var rectTop = LayerTop(node.Layer);
            var centre = left + (node.Width / 2);
            string fill, stroke, tooltip;
            var dashed = false;
            string? stateText = null;
            if (model.States is { } taskStates)
            {
                (fill, stroke, dashed) = Colours(taskStates[i]);
                stateText = StateText(model, i);
                tooltip = model.Names[i] + ": " + stateText;
            }
            else
            {
                (fill, stroke) = (NeutralFill, NeutralStroke);
                tooltip = model.Names[i];
            }

            svg.Append("    <g class=\"node\" data-task=\"t").Append(Int(i)).Append("\">\n");
            svg.Append("      <title>").Append(Xml(tooltip)).Append("</title>\n");
            svg.Append("      <rect x=\"").Append(Num(left)).Append("\" y=\"").Append(Num(rectTop))
                .Append("\" width=\"").Append(Num(node.Width)).Append("\" height=\"").Append(Num(nodeHeight))
                .Append("\" rx=\"6\" ry=\"6\" fill=\"").Append(fill).Append("\" stroke=\"").Append(stroke).Append("\" stroke-width=\"1.5\"");
            if (dashed)
            {
                svg.Append(" stroke-dasharray=\"5 3\"");
            }

            svg.Append("/>\n");
            var nameBaseline = stateText is null ? rectTop + (nodeHeight / 2) + (NameFontSize * 0.36) : rectTop + 19;
            svg.Append("      <text x=\"").Append(Num(centre)).Append("\" y=\"").Append(Num(nameBaseline))
                .Append("\" text-anchor=\"middle\" font-size=\"").Append(Num(NameFontSize)).Append("\" font-weight=\"600\" fill=\"").Append(TextColour).Append("\">")
                .Append(Xml(model.Names[i])).Append("</text>\n");
            if (stateText is not null)
            {
                svg.Append("      <text x=\"").Append(Num(centre)).Append("\" y=\"").Append(Num(rectTop + 35))
                    .Append("\" text-anchor=\"middle\" font-size=\"").Append(Num(StateFontSize)).Append("\" fill=\"").Append(SubtleTextColour).Append("\">")
                    .Append(Xml(stateText)).Append("</text>\n");
            }

            svg.Append("    </g>\n");
        }

        svg.Append("  </g>\n");

        if (legend.Count > 0)
        {
            svg.Append("  <g class=\"legend\" font-size=\"").Append(Num(LegendFontSize)).Append("\" fill=\"").Append(TextColour).Append("\">\n");
            var x = Margin + ((innerWidth - legendWidth) / 2);
            foreach (var (state, text, itemWidth) in legend)
            {
                var (fill, stroke, dashed) = Colours(state);
                svg.Append("    <rect class=\"swatch\" x=\"").Append(Num(x)).Append("\" y=\"").Append(Num(legendTop))
                    .Append("\" width=\"").Append(Num(SwatchSize)).Append("\" height=\"").Append(Num(SwatchSize))
                    .Append("\" rx=\"3\" ry=\"3\" fill=\"").Append(fill).Append("\" stroke=\"").Append(stroke).Append("\" stroke-width=\"1.5\"");
                if (dashed)
                {
                    svg.Append(" stroke-dasharray=\"3 2\"");
                }

                svg.Append("/>\n");
                svg.Append("    <text x=\"").Append(Num(x + SwatchSize + 6)).Append("\" y=\"").Append(Num(legendTop + (SwatchSize / 2) + (LegendFontSize * 0.36)))
                    .Append("\">").Append(Xml(text)).Append("</text>\n");
                x += itemWidth + 20;
            }

            svg.Append("  </g>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// Escapes text for XML content and attribute values (<c>&amp; &lt; &gt; " '</c>); characters XML cannot hold
    /// (control characters, unpaired surrogates) become U+FFFD, line breaks and tabs a space.
    /// </summary>
    private static string Xml(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&apos;"); break;
                case '\n' or '\r' or '\t': builder.Append(' '); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else if (c < ' ' || char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF')
                    {
                        builder.Append('\uFFFD');
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>An estimate of the rendered width of <paramref name="text"/> in a sans-serif font, from its characters.</summary>
    private static double TextWidth(string text, double fontSize, bool bold)
    {
        var ems = 0.0;
        foreach (var c in text)
        {
            ems += c switch
            {
                'i' or 'j' or 'l' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' or 'I' => 0.3,
                'f' or 't' or 'r' or '(' or ')' or '[' or ']' or ' ' or '-' => 0.4,
                'm' or 'w' or 'M' or 'W' or '@' or '%' => 0.92,
                >= 'A' and <= 'Z' => 0.7,
                >= '0' and <= '9' => 0.62,
                _ when c > '\u2E80' => 1.0,
                _ => 0.58,
            };
        }

        return ems * fontSize * (bold ? 1.08 : 1.0);
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Num(double value)
    {
        var rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        return rounded == 0 ? "0" : rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }

    /// <summary>What is rendered: names and dependencies, and for a run its id and one snapshot of the states.</summary>
    private sealed class Model
    {
        private Model(string name, string? runId, string[] names, int[][] dependencies, TaskState[]? states, int[]? attempts)
        {
            Name = name;
            RunId = runId;
            Names = names;
            Dependencies = dependencies;
            States = states;
            Attempts = attempts;
        }

        public string Name { get; }

        public string? RunId { get; }

        public string[] Names { get; }

        public int[][] Dependencies { get; }

        public TaskState[]? States { get; }

        public int[]? Attempts { get; }

        public int Count => Names.Length;

        public static Model Of(WorkflowGraph graph)
        {
            var count = graph.Count;
            var names = new string[count];
            var dependencies = new int[count][];
            for (var i = 0; i < count; i++)
            {
                var node = graph.Tasks[i];
                names[i] = node.Name;
                dependencies[i] = node.DependenciesArray;
            }

            return new Model(graph.Name, null, names, dependencies, null, null);
        }

        public static Model Of(WorkflowRun run)
        {
            // The snapshot: the task list once, then each task's state and attempts once, before anything else.
            var tasks = run.Tasks;
            var count = tasks.Count;
            var handles = new TaskHandle?[count];
            var states = new TaskState[count];
            var attempts = new int[count];
            for (var i = 0; i < count; i++)
            {
                var handle = tasks[i];
                handles[i] = handle;
                if (handle is not null)
                {
                    states[i] = handle.State;
                    attempts[i] = handle.Attempts;
                }
            }

            var graph = run.Graph;
            var names = new string[count];
            var dependencies = new int[count][];
            for (var i = 0; i < count; i++)
            {
                var handle = handles[i];
                names[i] = handle?.Name ?? (i < graph.Count ? graph.Tasks[i].Name : "task-" + Int(i));
                if (i < graph.Count)
                {
                    dependencies[i] = graph.Tasks[i].DependenciesArray;
                }
                else if (handle is { DependencyCount: > 0 })
                {
                    var list = new List<int>(handle.DependencyCount);
                    for (var k = 0; k < handle.DependencyCount; k++)
                    {
                        var dependency = handle.GetDependency(k);
                        if ((uint)dependency.Index < (uint)count && dependency.Index != i && ReferenceEquals(dependency.Run, run))
                        {
                            list.Add(dependency.Index);
                        }
                    }

                    dependencies[i] = list.ToArray();
                }
                else
                {
                    dependencies[i] = Array.Empty<int>();
                }
            }

            return new Model(graph.Name, run.RunId, names, dependencies, states, attempts);
        }
    }

    /// <summary>
    /// The layered layout (horizontal coordinates; rows give the vertical ones). Rows by depth; an edge spanning
    /// several rows gets a slot node in each row between, so it never crosses a box. Rows are ordered by barycentre:
    /// a first pass top to bottom, then sweeps up and down, keeping the order with the fewest crossings. Positions come
    /// from sweeps that put each node as near the mean position of its neighbours in the previous row as the row's
    /// order and spacing allow (an exact least-squares fit per row).
    /// </summary>
    private sealed class Layout
    {
        private const int OrderSweeps = 4;
        private const int PlacementSweeps = 4;

        private Layout(List<LayoutNode> nodes, List<Route> routes, int layerCount, double width)
        {
            Nodes = nodes;
            Routes = routes;
            LayerCount = layerCount;
            Width = width;
        }

        /// <summary>The task nodes (by task index) followed by the slot nodes of long edges.</summary>
        public List<LayoutNode> Nodes { get; }

        /// <summary>One route per edge, in edge order.</summary>
        public List<Route> Routes { get; }

        public int LayerCount { get; }

        /// <summary>The width of the widest row; node positions start at 0.</summary>
        public double Width { get; }

        public static Layout Build(Model model)
        {
            var count = model.Count;
            var depth = Depths(model);
            var nodes = new List<LayoutNode>(count);
            for (var i = 0; i < count; i++)
            {
                var width = TextWidth(model.Names[i], NameFontSize, bold: true);
                if (model.States is not null)
                {
                    width = Math.Max(width, TextWidth(StateText(model, i), StateFontSize, bold: false));
                }

                nodes.Add(new LayoutNode(i, depth[i], Math.Max(MinNodeWidth, Math.Ceiling(width + (2 * NodePadding))), slot: false));
            }

            // Routes, in edge order; an edge spanning more than one row gets a slot node in each row between.
            var routes = new List<Route>();
            for (var i = 0; i < count; i++)
            {
                foreach (var d in model.Dependencies[i])
                {
                    var chain = new List<int> { d };
                    for (var layer = depth[d] + 1; layer < depth[i]; layer++)
                    {
                        var slot = new LayoutNode(nodes.Count, layer, SlotWidth, slot: true);
                        nodes.Add(slot);
                        chain.Add(slot.Id);
                    }

                    chain.Add(i);
                    var route = new Route(routes.Count, d, i, chain.ToArray());
                    for (var k = 1; k < route.Chain.Length; k++)
                    {
                        var upper = nodes[route.Chain[k - 1]];
                        var lower = nodes[route.Chain[k]];
                        upper.Out.Add(route.Id);
                        upper.Successors.Add(lower);
                        lower.In.Add(route.Id);
                        lower.Predecessors.Add(upper);
                    }

                    routes.Add(route);
                }
            }

            var layerCount = 0;
            foreach (var node in nodes)
            {
                layerCount = Math.Max(layerCount, node.Layer + 1);
            }

            var layers = new List<LayoutNode>[layerCount];
            for (var l = 0; l < layerCount; l++)
            {
                layers[l] = new List<LayoutNode>();
            }

            foreach (var node in nodes)
            {
                layers[node.Layer].Add(node);
            }

            Order(layers);
            Place(layers);

            var minLeft = 0.0;
            var maxRight = 0.0;
            if (nodes.Count > 0)
            {
                minLeft = double.MaxValue;
                maxRight = double.MinValue;
                foreach (var node in nodes)
                {
                    minLeft = Math.Min(minLeft, node.Left);
                    maxRight = Math.Max(maxRight, node.Left + node.Width);
                }
            }

            foreach (var node in nodes)
            {
                node.Left -= minLeft;
            }

            // Ports: the edges into a box spread over its top, the edges out of it over its bottom, both ordered by
            // the position of the node at their other end, so they do not cross at the box.
            foreach (var node in nodes)
            {
                if (!node.Slot)
                {
                    AssignPorts(node, node.In, nodes, routes, incoming: true);
                    AssignPorts(node, node.Out, nodes, routes, incoming: false);
                }
            }

            return new Layout(nodes, routes, layerCount, maxRight - minLeft);
        }

        /// <summary>Longest-path depth: 0 without dependencies, else 1 + the deepest dependency.</summary>
        private static int[] Depths(Model model)
        {
            var count = model.Count;
            var depth = new int[count];
            var remaining = new int[count];
            var dependents = new List<int>[count];
            for (var i = 0; i < count; i++)
            {
                dependents[i] = new List<int>();
            }

            for (var i = 0; i < count; i++)
            {
                foreach (var d in model.Dependencies[i])
                {
                    dependents[d].Add(i);
                    remaining[i]++;
                }
            }

            var queue = new Queue<int>();
            for (var i = 0; i < count; i++)
            {
                if (remaining[i] == 0)
                {
                    queue.Enqueue(i);
                }
            }

            while (queue.Count > 0)
            {
                var d = queue.Dequeue();
                foreach (var i in dependents[d])
                {
                    depth[i] = Math.Max(depth[i], depth[d] + 1);
                    if (--remaining[i] == 0)
                    {
                        queue.Enqueue(i);
                    }
                }
            }

            return depth;
        }

        /// <summary>
        /// Orders the rows: the top row by task index, the others top to bottom by the mean rank of their
        /// predecessors (then by id); then sweeps up (by successors) and down (by predecessors), keeping the order
        /// with the fewest crossings. Ties keep the current order, so the result is deterministic.
        /// </summary>
        private static void Order(List<LayoutNode>[] layers)
        {
            if (layers.Length == 0)
            {
                return;
            }

            SetRanks(layers[0]);
            for (var l = 1; l < layers.Length; l++)
            {
                foreach (var node in layers[l])
                {
                    node.Key = node.Predecessors.Count == 0 ? -1 : MeanRank(node.Predecessors);
                    node.Rank = node.Id;
                }

                SortByKey(layers[l]);
            }

            var best = Snapshot(layers);
            var fewest = Crossings(layers);
            for (var sweep = 0; sweep < OrderSweeps && fewest > 0; sweep++)
            {
                for (var l = layers.Length - 2; l >= 0; l--)
                {
                    foreach (var node in layers[l])
                    {
                        node.Key = node.Successors.Count == 0 ? node.Rank : MeanRank(node.Successors);
                    }

                    SortByKey(layers[l]);
                }

                for (var l = 1; l < layers.Length; l++)
                {
                    foreach (var node in layers[l])
                    {
                        node.Key = node.Predecessors.Count == 0 ? node.Rank : MeanRank(node.Predecessors);
                    }

                    SortByKey(layers[l]);
                }

                var crossings = Crossings(layers);
                if (crossings < fewest)
                {
                    fewest = crossings;
                    best = Snapshot(layers);
                }
            }

            for (var l = 0; l < layers.Length; l++)
            {
                layers[l].Clear();
                layers[l].AddRange(best[l]);
                SetRanks(layers[l]);
            }
        }

        private static double MeanRank(List<LayoutNode> neighbours)
        {
            var sum = 0.0;
            foreach (var neighbour in neighbours)
            {
                sum += neighbour.Rank;
            }

            return sum / neighbours.Count;
        }

        /// <summary>Sorts a row by key, ties by the current rank (then id), and renumbers it.</summary>
        private static void SortByKey(List<LayoutNode> row)
        {
            row.Sort(static (a, b) =>
            {
                var byKey = a.Key.CompareTo(b.Key);
                if (byKey != 0)
                {
                    return byKey;
                }

                var byRank = a.Rank.CompareTo(b.Rank);
                return byRank != 0 ? byRank : a.Id.CompareTo(b.Id);
            });
            SetRanks(row);
        }

        private static void SetRanks(List<LayoutNode> row)
        {
            for (var r = 0; r < row.Count; r++)
            {
                row[r].Rank = r;
            }
        }

        private static LayoutNode[][] Snapshot(List<LayoutNode>[] layers)
        {
            var copy = new LayoutNode[layers.Length][];
            for (var l = 0; l < layers.Length; l++)
            {
                copy[l] = layers[l].ToArray();
            }

            return copy;
        }

        /// <summary>The number of pairs of edges that cross between adjacent rows, for the current ranks.</summary>
        private static long Crossings(List<LayoutNode>[] layers)
        {
            long crossings = 0;
            var edges = new List<(int Upper, int Lower)>();
            for (var l = 0; l + 1 < layers.Length; l++)
            {
                edges.Clear();
                foreach (var node in layers[l])
                {
                    foreach (var successor in node.Successors)
                    {
                        edges.Add((node.Rank, successor.Rank));
                    }
                }

                for (var a = 0; a < edges.Count; a++)
                {
                    for (var b = a + 1; b < edges.Count; b++)
                    {
                        if ((long)(edges[a].Upper - edges[b].Upper) * (edges[a].Lower - edges[b].Lower) < 0)
                        {
                            crossings++;
                        }
                    }
                }
            }

            return crossings;
        }

        /// <summary>
        /// Horizontal positions: rows packed, then sweeps down (each node towards the mean centre of its
        /// predecessors) and up (towards its successors), ending with a sweep down.
        /// </summary>
        private static void Place(List<LayoutNode>[] layers)
        {
            foreach (var row in layers)
            {
                var right = 0.0;
                for (var r = 0; r < row.Count; r++)
                {
                    row[r].Left = r == 0 ? 0 : right + Gap(row[r - 1], row[r]);
                    right = row[r].Left + row[r].Width;
                }
            }

            for (var sweep = 0; sweep <= PlacementSweeps; sweep++)
            {
                for (var l = 1; l < layers.Length; l++)
                {
                    PlaceRow(layers[l], down: true);
                }

                if (sweep == PlacementSweeps)
                {
                    break;
                }

                for (var l = layers.Length - 2; l >= 0; l--)
                {
                    PlaceRow(layers[l], down: false);
                }
            }
        }

        private static double Gap(LayoutNode left, LayoutNode right) => left.Slot || right.Slot ? SlotGap : NodeGap;

        /// <summary>
        /// Places an ordered row as near the wanted centres as its order and spacing allow, minimising the weighted
        /// squared distance (pool-adjacent-violators on the positions less their minimal offsets). A node's wanted
        /// centre is the mean centre of its neighbours in the row above (<paramref name="down"/>) or below; a node
        /// without such neighbours wants to stay where it is, weakly.
        /// </summary>
        private static void PlaceRow(List<LayoutNode> row, bool down)
        {
            var n = row.Count;
            if (n == 0)
            {
                return;
            }

            var offset = new double[n];
            var target = new double[n];
            var weight = new double[n];
            for (var r = 0; r < n; r++)
            {
                var node = row[r];
                offset[r] = r == 0 ? 0 : offset[r - 1] + row[r - 1].Width + Gap(row[r - 1], node);
                var neighbours = down ? node.Predecessors : node.Successors;
                double centre;
                if (neighbours.Count == 0)
                {
                    centre = node.Left + (node.Width / 2);
                    weight[r] = 0.25;
                }
                else
                {
                    centre = 0;
                    foreach (var neighbour in neighbours)
                    {
                        centre += neighbour.Left + (neighbour.Width / 2);
                    }

                    centre /= neighbours.Count;
                    weight[r] = 1;
                }

                target[r] = centre - (node.Width / 2) - offset[r];
            }

            // Pool adjacent violators: blocks of consecutive nodes sharing one value, merged while out of order.
            var blockSum = new double[n];
            var blockWeight = new double[n];
            var blockEnd = new int[n];
            var blocks = 0;
            for (var r = 0; r < n; r++)
            {
                blockSum[blocks] = weight[r] * target[r];
                blockWeight[blocks] = weight[r];
                blockEnd[blocks] = r;
                blocks++;
                while (blocks > 1 && blockSum[blocks - 2] / blockWeight[blocks - 2] > blockSum[blocks - 1] / blockWeight[blocks - 1])
                {
                    blockSum[blocks - 2] += blockSum[blocks - 1];
                    blockWeight[blocks - 2] += blockWeight[blocks - 1];
                    blockEnd[blocks - 2] = blockEnd[blocks - 1];
                    blocks--;
                }
            }

            var start = 0;
            for (var b = 0; b < blocks; b++)
            {
                var value = blockSum[b] / blockWeight[b];
                for (var r = start; r <= blockEnd[b]; r++)
                {
                    row[r].Left = value + offset[r];
                }

                start = blockEnd[b] + 1;
            }
        }

        private static void AssignPorts(LayoutNode node, List<int> routeIds, List<LayoutNode> nodes, List<Route> routes, bool incoming)
        {
            var ends = new List<(double OtherX, int Route)>(routeIds.Count);
            foreach (var routeId in routeIds)
            {
                var chain = routes[routeId].Chain;
                var other = nodes[incoming ? chain[^2] : chain[1]];
                ends.Add((other.Left + (other.Width / 2), routeId));
            }

            ends.Sort(static (a, b) =>
            {
                var byX = a.OtherX.CompareTo(b.OtherX);
                return byX != 0 ? byX : a.Route.CompareTo(b.Route);
            });

            // Spread over the middle of the side, at most 24 apart.
            var spacing = Math.Min(24, (node.Width - 16) / Math.Max(1, ends.Count));
            var first = node.Left + (node.Width / 2) - (spacing * (ends.Count - 1) / 2);
            for (var k = 0; k < ends.Count; k++)
            {
                var route = routes[ends[k].Route];
                var x = first + (spacing * k);
                if (incoming)
                {
                    route.EndX = x;
                }
                else
                {
                    route.StartX = x;
                }
            }
        }
    }

    private sealed class LayoutNode(int id, int layer, double width, bool slot)
    {
        public int Id { get; } = id;

        public int Layer { get; } = layer;

        public double Width { get; } = width;

        /// <summary>A slot an edge passes through, not a task.</summary>
        public bool Slot { get; } = slot;

        /// <summary>The routes that end here (one per incoming edge piece).</summary>
        public List<int> In { get; } = new();

        /// <summary>The routes that start here.</summary>
        public List<int> Out { get; } = new();

        /// <summary>The nodes in the row above joined to this one (with repeats for repeated edges).</summary>
        public List<LayoutNode> Predecessors { get; } = new();

        /// <summary>The nodes in the row below joined to this one.</summary>
        public List<LayoutNode> Successors { get; } = new();

        /// <summary>The position in its row.</summary>
        public int Rank { get; set; }

        /// <summary>The sort key of the current ordering sweep.</summary>
        public double Key { get; set; }

        public double Left { get; set; }
    }

    private sealed class Route(int id, int from, int to, int[] chain)
    {
        public int Id { get; } = id;

        public int From { get; } = from;

        public int To { get; } = to;

        /// <summary>Layout node ids from the dependency to the dependent, slots between.</summary>
        public int[] Chain { get; } = chain;

        public double StartX { get; set; }

        public double EndX { get; set; }
    }
}
