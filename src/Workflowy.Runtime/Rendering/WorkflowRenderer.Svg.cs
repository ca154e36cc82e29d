using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Workflowy;

public static partial class WorkflowRenderer
{
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
                    var text = StateClasses[s].Name + " (" + Int(count) + ")";
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
                var style = StateClass(taskStates[i]);
                (fill, stroke, dashed) = (style.Fill, style.Stroke, style.Dashed);
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
                var style = StateClass(state);
                svg.Append("    <rect class=\"swatch\" x=\"").Append(Num(x)).Append("\" y=\"").Append(Num(legendTop))
                    .Append("\" width=\"").Append(Num(SwatchSize)).Append("\" height=\"").Append(Num(SwatchSize))
                    .Append("\" rx=\"3\" ry=\"3\" fill=\"").Append(style.Fill).Append("\" stroke=\"").Append(style.Stroke).Append("\" stroke-width=\"1.5\"");
                if (style.Dashed)
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

    private static string Num(double value)
    {
        var rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        return rounded == 0 ? "0" : rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
