#nullable enable
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Workflowy;

/// <summary>
/// The Mermaid and Graphviz DOT text of a graph, written in one place: the generator's <c>XRun.Mermaid</c> and
/// <c>XRun.Dot</c> constants and the runtime's <c>WorkflowRenderer</c> both call it, so a graph drawn by either is the
/// same text. It takes plain data (task names and, per task, the indices of its dependencies) and, for a run, optional
/// decorations. This file is compiled into the generator (netstandard2.0) and linked into the runtime.
/// </summary>
/// <remarks>
/// Nodes are <c>t{i}</c> in index order; edges go task by task, each in the order of its dependency list; numbers are
/// written in the invariant culture and lines end with <c>\n</c>. See docs/graphs.md.
/// </remarks>
internal static class GraphText
{
    /// <summary>
    /// A Mermaid flowchart: <c>flowchart TD</c>, one node <c>t{i}["name"]</c> per task, one edge <c>t{d} --&gt; t{i}</c>
    /// per dependency; with <paramref name="decorations"/>, then a <c>classDef</c> line per class some node has and a
    /// <c>class t0,t3 name</c> line per such class, in the order of <see cref="GraphDecorations.Classes"/>.
    /// </summary>
    public static string Mermaid(IReadOnlyList<string> names, IReadOnlyList<IReadOnlyList<int>> dependencies, GraphDecorations? decorations = null)
    {
        var builder = new StringBuilder("flowchart TD\n");
        for (var i = 0; i < names.Count; i++)
        {
            builder.Append("    t").Append(Int(i)).Append("[\"").Append(MermaidLabel(names[i])).Append("\"]\n");
        }

        AppendEdges(builder, dependencies, " --> t", "\n");
        if (decorations is null)
        {
            return builder.ToString();
        }

        var classes = decorations.Classes;
        var used = new bool[classes.Count];
        for (var i = 0; i < names.Count; i++)
        {
            used[decorations.ClassOf[i]] = true;
        }

        for (var c = 0; c < classes.Count; c++)
        {
            if (used[c])
            {
                var nodeClass = classes[c];
                builder.Append("    classDef ").Append(nodeClass.Name)
                    .Append(" fill:").Append(nodeClass.Fill).Append(",stroke:").Append(nodeClass.Stroke).Append(",color:").Append(decorations.TextColour);
                if (nodeClass.Dashed)
                {
                    builder.Append(",stroke-dasharray:5 5");
                }

                builder.Append('\n');
            }
        }

        for (var c = 0; c < classes.Count; c++)
        {
            var first = true;
            for (var i = 0; i < names.Count; i++)
            {
                if (decorations.ClassOf[i] == c)
                {
                    builder.Append(first ? "    class t" : ",t").Append(Int(i));
                    first = false;
                }
            }

            if (!first)
            {
                builder.Append(' ').Append(classes[c].Name).Append('\n');
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Graphviz DOT: <c>digraph "name" {</c>, <c>node [shape=box];</c>, one node <c>t{i} [label="name"];</c> per task,
    /// one edge <c>t{d} -&gt; t{i};</c> per dependency, <c>}</c>. With <paramref name="decorations"/>: a graph label at the
    /// top, and per node its detail as a second label line, a tooltip <c>"name: detail"</c> and its class's colours.
    /// </summary>
    public static string Dot(string graphName, IReadOnlyList<string> names, IReadOnlyList<IReadOnlyList<int>> dependencies, GraphDecorations? decorations = null)
    {
        var builder = new StringBuilder("digraph \"").Append(DotString(graphName)).Append("\" {\n    node [shape=box];\n");
        if (decorations is not null)
        {
            builder.Append("    label=\"").Append(DotString(decorations.Label)).Append("\";\n");
            builder.Append("    labelloc=\"t\";\n");
        }

        for (var i = 0; i < names.Count; i++)
        {
            builder.Append("    t").Append(Int(i)).Append(" [label=\"").Append(DotString(names[i]));
            if (decorations is not null)
            {
                var detail = decorations.Details[i];
                var nodeClass = decorations.Classes[decorations.ClassOf[i]];
                builder.Append("\\n").Append(DotString(detail)).Append('"')
                    .Append(", style=\"").Append(nodeClass.Dashed ? "filled,dashed" : "filled").Append('"')
                    .Append(", fillcolor=\"").Append(nodeClass.Fill).Append('"')
                    .Append(", color=\"").Append(nodeClass.Stroke).Append('"')
                    .Append(", tooltip=\"").Append(DotString(names[i] + ": " + detail)).Append('"');
            }
            else
            {
                builder.Append('"');
            }

            builder.Append("];\n");
        }

        AppendEdges(builder, dependencies, " -> t", ";\n");
        return builder.Append("}\n").ToString();
    }

    /// <summary>One line <c>t{d}{arrow}{i}{end}</c> per dependency, task by task in dependency-list order.</summary>
    private static void AppendEdges(StringBuilder builder, IReadOnlyList<IReadOnlyList<int>> dependencies, string arrow, string end)
    {
        for (var i = 0; i < dependencies.Count; i++)
        {
            var list = dependencies[i];
            for (var k = 0; k < list.Count; k++)
            {
                builder.Append("    t").Append(Int(list[k])).Append(arrow).Append(Int(i)).Append(end);
            }
        }
    }

    /// <summary>A Mermaid label: <c>"</c> becomes <c>#quot;</c>, a newline a space, a carriage return is removed.</summary>
    private static string MermaidLabel(string text) => text.Replace("\"", "#quot;").Replace("\n", " ").Replace("\r", string.Empty);

    /// <summary>A DOT quoted string: <c>\</c> becomes <c>\\</c>, <c>"</c> becomes <c>\"</c>, a newline <c>\n</c>.</summary>
    private static string DotString(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>How the nodes of a drawn run look: a graph label, and per node a class (colours) and a detail line (its state).</summary>
internal sealed class GraphDecorations
{
    public GraphDecorations(string label, IReadOnlyList<NodeClass> classes, IReadOnlyList<int> classOf, IReadOnlyList<string> details, string textColour)
    {
        Label = label;
        Classes = classes;
        ClassOf = classOf;
        Details = details;
        TextColour = textColour;
    }

    /// <summary>The graph's label (DOT <c>label</c>, at the top).</summary>
    public string Label { get; }

    /// <summary>The classes nodes may have, in the order their Mermaid lines are written.</summary>
    public IReadOnlyList<NodeClass> Classes { get; }

    /// <summary>Per node, the index of its class in <see cref="Classes"/>.</summary>
    public IReadOnlyList<int> ClassOf { get; }

    /// <summary>Per node, the second line of its DOT label and of its tooltip.</summary>
    public IReadOnlyList<string> Details { get; }

    /// <summary>The text colour of every class (Mermaid <c>color</c>).</summary>
    public string TextColour { get; }
}

/// <summary>A class of nodes: a name (Mermaid <c>classDef</c>), fill and border colours, and whether the border is dashed.</summary>
internal sealed class NodeClass
{
    public NodeClass(string name, string fill, string stroke, bool dashed)
    {
        Name = name;
        Fill = fill;
        Stroke = stroke;
        Dashed = dashed;
    }

    public string Name { get; }

    public string Fill { get; }

    public string Stroke { get; }

    public bool Dashed { get; }
}
