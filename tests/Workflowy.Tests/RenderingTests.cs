using System.Collections.Generic;
using System.Globalization;
using System.Xml.Linq;
using Workflowy.Tests.Infrastructure;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

public class RenderingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // ------------------------------------------------------------ the static formats, shared with the generator

    [Fact]
    public void ToMermaid_OfAGraph_IsTheGeneratedConstant()
    {
        var cases = new (WorkflowGraph Graph, string Mermaid)[]
        {
            (DiamondWorkflow.DiamondWorkflowRun.Definition, DiamondWorkflow.DiamondWorkflowRun.Mermaid),
            (ShapesWorkflow.ShapesWorkflowRun.Definition, ShapesWorkflow.ShapesWorkflowRun.Mermaid),
            (ChainWorkflow.ChainWorkflowRun.Definition, ChainWorkflow.ChainWorkflowRun.Mermaid),
            (WideWorkflow.WideWorkflowRun.Definition, WideWorkflow.WideWorkflowRun.Mermaid),
            (ControlledWorkflow.ControlledWorkflowRun.Definition, ControlledWorkflow.ControlledWorkflowRun.Mermaid),
            (PolicyWorkflow.PolicyWorkflowRun.Definition, PolicyWorkflow.PolicyWorkflowRun.Mermaid),
            (FlakyWorkflow.FlakyWorkflowRun.Definition, FlakyWorkflow.FlakyWorkflowRun.Mermaid),
            (RepairableWorkflow.RepairableWorkflowRun.Definition, RepairableWorkflow.RepairableWorkflowRun.Mermaid),
            (RenderingWorkflow.RenderingWorkflowRun.Definition, RenderingWorkflow.RenderingWorkflowRun.Mermaid),
        };

        foreach (var (graph, mermaid) in cases)
        {
            Assert.Equal(mermaid, WorkflowRenderer.ToMermaid(graph));
        }
    }

    [Fact]
    public void ToDot_OfAGraph_HasTheSharedStaticFormat()
    {
        var dot = WorkflowRenderer.ToDot(DiamondWorkflow.DiamondWorkflowRun.Definition);

        Assert.Equal(
            "digraph \"DiamondWorkflow\" {\n" +
            "    node [shape=box];\n" +
            "    t0 [label=\"Source\"];\n" +
            "    t1 [label=\"Left\"];\n" +
            "    t2 [label=\"Right\"];\n" +
            "    t3 [label=\"Join\"];\n" +
            "    t0 -> t1;\n" +
            "    t0 -> t2;\n" +
            "    t1 -> t3;\n" +
            "    t2 -> t3;\n" +
            "}\n",
            dot);
    }

    [Fact]
    public void ToDot_OfAGraph_EdgesFollowTheDependencyLists_TaskByTask()
    {
        // Final (t6) depends on PlainTask (t2), PlainValueTask (t4) and ValueTaskOfT (t5), in that order.
        var dot = WorkflowRenderer.ToDot(ShapesWorkflow.ShapesWorkflowRun.Definition);

        Assert.EndsWith(
            "    t0 -> t2;\n" +
            "    t1 -> t3;\n" +
            "    t3 -> t5;\n" +
            "    t2 -> t6;\n" +
            "    t4 -> t6;\n" +
            "    t5 -> t6;\n" +
            "}\n",
            dot);
        Assert.Contains("    t6 [label=\"final-step\"];\n", dot);
    }

    [Fact]
    public void StaticFormats_EscapeLabelsAsTheGeneratorDoes()
    {
        var graph = new WorkflowGraph(
            "Odd \"name\" \\ here",
            new[]
            {
                new WorkflowGraphNode("say \"hi\"", Backend.Default, false),
                new WorkflowGraphNode("two\r\nlines \\ back", Backend.Default, false, 0),
            },
            new[] { 0, 1 },
            "unused");

        Assert.Equal(
            "flowchart TD\n" +
            "    t0[\"say #quot;hi#quot;\"]\n" +
            "    t1[\"two lines \\ back\"]\n" +
            "    t0 --> t1\n",
            WorkflowRenderer.ToMermaid(graph));
        Assert.Equal(
            "digraph \"Odd \\\"name\\\" \\\\ here\" {\n" +
            "    node [shape=box];\n" +
            "    t0 [label=\"say \\\"hi\\\"\"];\n" +
            "    t1 [label=\"two\r\\nlines \\\\ back\"];\n" +
            "    t0 -> t1;\n" +
            "}\n",
            WorkflowRenderer.ToDot(graph));
    }

    [Fact]
    public void EmptyGraph_RendersInEveryFormat()
    {
        var graph = WorkflowGraph.Empty("nothing");

        Assert.Equal(graph.Mermaid, WorkflowRenderer.ToMermaid(graph));
        Assert.Equal("digraph \"nothing\" {\n    node [shape=box];\n}\n", WorkflowRenderer.ToDot(graph));
        var svg = XDocument.Parse(WorkflowRenderer.ToSvg(graph));
        Assert.Empty(Nodes(svg));
        Assert.Empty(Edges(svg));
    }

    // ------------------------------------------------------------ a finished run with mixed states

    [Fact]
    public async Task MixedRun_EndsWithTheExpectedStates()
    {
        var run = await RunMixedAsync();

        Assert.Equal(
            new[]
            {
                ("Extract", TaskState.Completed, 1),
                ("Archive", TaskState.Cancelled, 1),
                ("Validate", TaskState.Failed, 3),
                ("Transform", TaskState.Completed, 2),
                ("Load", TaskState.Failed, 0),
                ("Audit", TaskState.Skipped, 0),
                ("Summarize", TaskState.Completed, 1),
                ("Publish", TaskState.Completed, 1),
                ("Cleanup", TaskState.Completed, 1),
            },
            run.Tasks.Select(t => (t.Name, t.State, t.Attempts)));
    }

    [Fact]
    public async Task MixedRun_Dot()
    {
        var run = await RunMixedAsync();

        var dot = WorkflowRenderer.ToDot(run);

        Assert.Contains("    t2 [label=\"Validate\\nfailed, 3 attempts\", style=\"filled\", fillcolor=\"#ffcdd2\"", dot);
        Assert.Contains("style=\"filled,dashed\"", dot);
        Snapshot.Verify(dot.Replace(run.RunId, "RUN_ID"), extension: "dot");
    }

    [Fact]
    public async Task MixedRun_Mermaid()
    {
        var run = await RunMixedAsync();

        var mermaid = WorkflowRenderer.ToMermaid(run);

        Assert.StartsWith(RenderingWorkflow.RenderingWorkflowRun.Mermaid, mermaid);
        Assert.EndsWith(
            "    class t0,t3,t6,t7,t8 completed\n" +
            "    class t2,t4 failed\n" +
            "    class t1 cancelled\n" +
            "    class t5 skipped\n",
            mermaid);
        Assert.DoesNotContain("classDef pending", mermaid);
        Assert.DoesNotContain("classDef running", mermaid);
        Snapshot.Verify(mermaid.Replace(run.RunId, "RUN_ID"), extension: "mmd");
    }

    [Fact]
    public async Task MixedRun_Svg()
    {
        var run = await RunMixedAsync();

        var svg = WorkflowRenderer.ToSvg(run);

        Snapshot.Verify(svg.Replace(run.RunId, "RUN_ID"), extension: "svg");
        WriteForDocs(svg.Replace(run.RunId, "5d0c3e9a8b7f4e21a6c2d4f8e1b3a907"), "run-graph.svg");
    }

    [Fact]
    public async Task MixedRun_Svg_IsWellFormed_OneBoxPerTask_OnePathPerEdge_AndALegend()
    {
        var run = await RunMixedAsync();

        var document = XDocument.Parse(WorkflowRenderer.ToSvg(run));

        var root = document.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal($"RenderingWorkflow run {run.RunId}", root.Element(Svg + "title")!.Value);
        var nodes = Nodes(document);
        Assert.Equal(run.Tasks.Count, nodes.Count);
        Assert.All(nodes, n => Assert.Single(n.Elements(Svg + "rect")));
        Assert.Equal(
            run.Tasks.Select(t => t.Name),
            nodes.Select(n => n.Elements(Svg + "text").First().Value));
        Assert.Equal("Validate: failed, 3 attempts", nodes[2].Element(Svg + "title")!.Value);
        Assert.Equal("#ffcdd2", nodes[2].Element(Svg + "rect")!.Attribute("fill")!.Value);

        var edges = Edges(document);
        Assert.Equal(run.Graph.Edges.Count, edges.Count);
        Assert.Equal(
            run.Graph.Edges.Select(e => $"t{run.Graph.IndexOf(e.From)}->t{run.Graph.IndexOf(e.To)}"),
            edges.Select(e => $"{e.Attribute("data-from")!.Value}->{e.Attribute("data-to")!.Value}"));
        Assert.All(edges, e => Assert.Equal("url(#wfy-arrow)", e.Attribute("marker-end")!.Value));

        var legend = document.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        Assert.Equal(
            new[] { "completed (5)", "failed (2)", "cancelled (1)", "skipped (1)" },
            legend.Elements(Svg + "text").Select(t => t.Value));

        AssertNoOverlaps(document);
    }

    [Fact]
    public async Task MixedRun_Svg_RowsFollowDepth_AndEveryEdgeGoesDown()
    {
        var run = await RunMixedAsync();

        var document = XDocument.Parse(WorkflowRenderer.ToSvg(run));

        var top = Nodes(document).Select(n => double.Parse(n.Element(Svg + "rect")!.Attribute("y")!.Value, CultureInfo.InvariantCulture)).ToArray();
        var rows = top.Distinct().OrderBy(y => y).ToList();
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2, 2, 3, 4 }, top.Select(y => rows.IndexOf(y)));
        foreach (var edge in run.Graph.Edges)
        {
            Assert.True(top[run.Graph.IndexOf(edge.From)] < top[run.Graph.IndexOf(edge.To)]);
        }
    }

    [Fact]
    public async Task Renderings_AreDeterministic_AndCultureInvariant()
    {
        var run = await RunMixedAsync();
        var culture = CultureInfo.CurrentCulture;
        string svg, dot, mermaid;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            (svg, dot, mermaid) = (WorkflowRenderer.ToSvg(run), WorkflowRenderer.ToDot(run), WorkflowRenderer.ToMermaid(run));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.Equal(WorkflowRenderer.ToSvg(run), svg);
        Assert.Equal(WorkflowRenderer.ToDot(run), dot);
        Assert.Equal(WorkflowRenderer.ToMermaid(run), mermaid);
        Assert.DoesNotContain("\r", svg + dot + mermaid);

        var other = await RunMixedAsync();
        Assert.Equal(svg.Replace(run.RunId, "RUN_ID"), WorkflowRenderer.ToSvg(other).Replace(other.RunId, "RUN_ID"));
    }

    // ------------------------------------------------------------ live and dynamic runs

    [Fact]
    public async Task LiveRun_ShowsRunningAndPendingTasks()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start();
        try
        {
            await Task.WhenAll(workflow.FirstStarted.Task, workflow.SideStarted.Task).WaitAsync(Timeout);

            var mermaid = WorkflowRenderer.ToMermaid(run);
            var dot = WorkflowRenderer.ToDot(run);
            var svg = XDocument.Parse(WorkflowRenderer.ToSvg(run));

            Assert.Contains("    classDef pending fill:#ffffff,", mermaid);
            Assert.Contains("    classDef running fill:#bbdefb,", mermaid);
            Assert.EndsWith("    class t1,t2 pending\n    class t0,t3 running\n", mermaid);
            Assert.Contains("    t0 [label=\"First\\nrunning\", style=\"filled\", fillcolor=\"#bbdefb\"", dot);
            Assert.Equal(
                new[] { "running", "pending", "pending", "running" },
                Nodes(svg).Select(n => n.Elements(Svg + "text").Last().Value));
        }
        finally
        {
            workflow.FirstGate.TrySetResult();
            workflow.SideGate.TrySetResult();
            await run.Completion.WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task DynamicRun_RendersSubmittedTasksAndTheirEdges()
    {
        var run = new WorkflowRunner().CreateRun("pipeline");
        var fetch = run.Submit(new TaskOptions { Name = "fetch" }, _ => 1);
        var parse = run.Submit(new TaskOptions { Name = "parse" }, _ => 2, fetch);
        var check = run.Submit(new TaskOptions { Name = "check" }, _ => 3, fetch);
        _ = run.Submit(new TaskOptions { Name = "store" }, _ => 4, check, parse);
        run.Complete();
        await run.Completion.WaitAsync(Timeout);

        Assert.Equal(
            "flowchart TD\n" +
            "    t0[\"fetch\"]\n" +
            "    t1[\"parse\"]\n" +
            "    t2[\"check\"]\n" +
            "    t3[\"store\"]\n" +
            "    t0 --> t1\n" +
            "    t0 --> t2\n" +
            "    t2 --> t3\n" +
            "    t1 --> t3\n" +
            "    classDef completed fill:#c8e6c9,stroke:#388e3c,color:#212121\n" +
            "    class t0,t1,t2,t3 completed\n",
            WorkflowRenderer.ToMermaid(run));
        Assert.Equal(
            "digraph \"pipeline\" {\n" +
            "    node [shape=box];\n" +
            $"    label=\"pipeline run {run.RunId}\";\n" +
            "    labelloc=\"t\";\n" +
            "    t0 [label=\"fetch\\ncompleted\", style=\"filled\", fillcolor=\"#c8e6c9\", color=\"#388e3c\", tooltip=\"fetch: completed\"];\n" +
            "    t1 [label=\"parse\\ncompleted\", style=\"filled\", fillcolor=\"#c8e6c9\", color=\"#388e3c\", tooltip=\"parse: completed\"];\n" +
            "    t2 [label=\"check\\ncompleted\", style=\"filled\", fillcolor=\"#c8e6c9\", color=\"#388e3c\", tooltip=\"check: completed\"];\n" +
            "    t3 [label=\"store\\ncompleted\", style=\"filled\", fillcolor=\"#c8e6c9\", color=\"#388e3c\", tooltip=\"store: completed\"];\n" +
            "    t0 -> t1;\n" +
            "    t0 -> t2;\n" +
            "    t2 -> t3;\n" +
            "    t1 -> t3;\n" +
            "}\n",
            WorkflowRenderer.ToDot(run));
        var svg = XDocument.Parse(WorkflowRenderer.ToSvg(run));
        Assert.Equal(4, Nodes(svg).Count);
        Assert.Equal(
            new[] { "t0->t1", "t0->t2", "t2->t3", "t1->t3" },
            Edges(svg).Select(e => $"{e.Attribute("data-from")!.Value}->{e.Attribute("data-to")!.Value}"));
        AssertNoOverlaps(svg);
    }

    [Fact]
    public async Task GraphRunWithSubmissions_RendersGraphTasksThenSubmittedOnes()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start();
        var report = run.Submit(new TaskOptions { Name = "report" }, _ => "r", run.Third, run.Side);
        workflow.FirstGate.SetResult();
        workflow.SideGate.SetResult();
        await run.Completion.WaitAsync(Timeout);
        await report;

        var mermaid = WorkflowRenderer.ToMermaid(run);

        Assert.Contains("    t4[\"report\"]\n", mermaid);
        Assert.Contains("    t1 --> t2\n    t2 --> t4\n    t3 --> t4\n", mermaid);
        Assert.EndsWith("    class t0,t1,t2,t3,t4 completed\n", mermaid);
        Assert.EndsWith("    t2 -> t4;\n    t3 -> t4;\n}\n", WorkflowRenderer.ToDot(run));
        var svg = XDocument.Parse(WorkflowRenderer.ToSvg(run));
        Assert.Equal(5, Nodes(svg).Count);
        Assert.Equal(4, Edges(svg).Count);
    }

    [Fact]
    public async Task LabelsWithMarkupCharacters_AreEscapedInEveryFormat()
    {
        const string name = "a <&> \"b\" 'c' \\ d";
        var run = new WorkflowRunner().CreateRun("x & <y>");
        var first = run.Submit(new TaskOptions { Name = name }, _ => 1);
        _ = run.Submit(new TaskOptions { Name = "next" }, _ => 2, first);
        run.Complete();
        await run.Completion.WaitAsync(Timeout);

        var text = WorkflowRenderer.ToSvg(run);
        var svg = XDocument.Parse(text);

        Assert.Contains("a &lt;&amp;&gt; &quot;b&quot; &apos;c&apos; \\ d", text);
        Assert.Equal(name, Nodes(svg)[0].Elements(Svg + "text").First().Value);
        Assert.Equal($"x & <y> run {run.RunId}", svg.Root!.Element(Svg + "title")!.Value);
        Assert.Contains("    t0[\"a <&> #quot;b#quot; 'c' \\ d\"]\n", WorkflowRenderer.ToMermaid(run));
        Assert.Contains("    t0 [label=\"a <&> \\\"b\\\" 'c' \\\\ d\\ncompleted\"", WorkflowRenderer.ToDot(run));
    }

    [Fact]
    public async Task ControlCharactersInNames_StillGiveWellFormedSvg()
    {
        var run = new WorkflowRunner().CreateRun("ctl");
        _ = run.Submit(new TaskOptions { Name = "bell\u0007 tab\t nul\0 \ud800 end" }, _ => 1);
        run.Complete();
        await run.Completion.WaitAsync(Timeout);

        var svg = XDocument.Parse(WorkflowRenderer.ToSvg(run));

        Assert.Equal("bell\ufffd tab  nul\ufffd \ufffd end", Nodes(svg)[0].Elements(Svg + "text").First().Value);
    }

    // ------------------------------------------------------------ graph pictures and layout

    [Fact]
    public void GraphSvg_NeutralBoxes_NoLegend_LongEdgesRoutedAroundBoxes()
    {
        var graph = ShapesWorkflow.ShapesWorkflowRun.Definition;

        var document = XDocument.Parse(WorkflowRenderer.ToSvg(graph));

        Assert.Equal("ShapesWorkflow", document.Root!.Element(Svg + "title")!.Value);
        var nodes = Nodes(document);
        Assert.Equal(graph.Count, nodes.Count);
        Assert.All(nodes, n => Assert.Equal("#eceff1", n.Element(Svg + "rect")!.Attribute("fill")!.Value));
        Assert.Equal(graph.Edges.Count, Edges(document).Count);
        Assert.DoesNotContain(document.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "legend");
        AssertNoOverlaps(document);
        AssertEdgesAvoidBoxes(document);
    }

    [Fact]
    public void LargerGraphs_NoOverlappingBoxes_AndEdgesAvoidBoxes()
    {
        var random = new Random(12345);
        for (var round = 0; round < 40; round++)
        {
            var count = random.Next(1, 30);
            var nodes = new WorkflowGraphNode[count];
            for (var i = 0; i < count; i++)
            {
                var dependencies = Enumerable.Range(0, i).Where(_ => random.Next(6) == 0).Take(4).ToArray();
                nodes[i] = new WorkflowGraphNode(new string('x', random.Next(1, 24)) + i, Backend.Default, false, dependencies);
            }

            var graph = new WorkflowGraph("random" + round, nodes, Enumerable.Range(0, count).ToArray(), "");

            var document = XDocument.Parse(WorkflowRenderer.ToSvg(graph));

            Assert.Equal(count, Nodes(document).Count);
            Assert.Equal(graph.Edges.Count, Edges(document).Count);
            AssertNoOverlaps(document);
            AssertEdgesAvoidBoxes(document);
        }
    }

    // ------------------------------------------------------------ helpers

    private static async Task<RenderingWorkflow.RenderingWorkflowRun> RunMixedAsync() =>
        await new RenderingWorkflow().RunAsync(new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue }).WaitAsync(Timeout);

    private static List<XElement> Nodes(XDocument document) =>
        document.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "node").ToList();

    private static List<XElement> Edges(XDocument document) =>
        document.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "edge").ToList();

    private static (double X, double Y, double Width, double Height) Box(XElement node)
    {
        var rect = node.Element(Svg + "rect")!;
        double Get(string name) => double.Parse(rect.Attribute(name)!.Value, CultureInfo.InvariantCulture);
        return (Get("x"), Get("y"), Get("width"), Get("height"));
    }

    /// <summary>No two task boxes overlap, and every box lies inside the picture.</summary>
    private static void AssertNoOverlaps(XDocument document)
    {
        var root = document.Root!;
        var width = double.Parse(root.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        var height = double.Parse(root.Attribute("height")!.Value, CultureInfo.InvariantCulture);
        var boxes = Nodes(document).Select(Box).ToList();
        for (var i = 0; i < boxes.Count; i++)
        {
            var a = boxes[i];
            Assert.True(a.X >= 0 && a.Y >= 0 && a.X + a.Width <= width && a.Y + a.Height <= height, $"box {i} is outside the picture");
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var b = boxes[j];
                var apart = a.X + a.Width <= b.X || b.X + b.Width <= a.X || a.Y + a.Height <= b.Y || b.Y + b.Height <= a.Y;
                Assert.True(apart, $"boxes {i} and {j} overlap");
            }
        }
    }

    /// <summary>
    /// The straight pieces of every edge (the vertical runs through rows it crosses) miss every box, and every edge
    /// starts on its dependency's bottom and ends on its dependent's top.
    /// </summary>
    private static void AssertEdgesAvoidBoxes(XDocument document)
    {
        var boxes = Nodes(document).Select(Box).ToList();
        foreach (var edge in Edges(document))
        {
            var from = boxes[int.Parse(edge.Attribute("data-from")!.Value[1..], CultureInfo.InvariantCulture)];
            var to = boxes[int.Parse(edge.Attribute("data-to")!.Value[1..], CultureInfo.InvariantCulture)];
            var parts = edge.Attribute("d")!.Value.Replace(",", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var points = new List<(string Command, double X, double Y)>();
            var command = "";
            for (var k = 0; k < parts.Length;)
            {
                if (char.IsLetter(parts[k][0]))
                {
                    command = parts[k++];
                    continue;
                }

                points.Add((command, double.Parse(parts[k], CultureInfo.InvariantCulture), double.Parse(parts[k + 1], CultureInfo.InvariantCulture)));
                k += 2;
            }

            var (_, startX, startY) = points[0];
            Assert.Equal(from.Y + from.Height, startY, 2);
            Assert.InRange(startX, from.X, from.X + from.Width);
            var (_, endX, endY) = points[^1];
            Assert.Equal(to.Y, endY, 2);
            Assert.InRange(endX, to.X, to.X + to.Width);
            for (var k = 1; k < points.Count; k++)
            {
                if (points[k].Command != "L")
                {
                    continue;
                }

                var (x, y1, y2) = (points[k].X, points[k - 1].Y, points[k].Y);
                foreach (var box in boxes)
                {
                    var crosses = x > box.X && x < box.X + box.Width && y1 < box.Y + box.Height && y2 > box.Y;
                    Assert.False(crosses, $"edge {edge.Attribute("data-from")!.Value}->{edge.Attribute("data-to")!.Value} runs through a box");
                }
            }
        }
    }

    /// <summary>Copies a picture to docs/images when WRITE_DOCS_IMAGES=1 (the checked-in picture of docs/graphs.md).</summary>
    private static void WriteForDocs(string text, string fileName, [System.Runtime.CompilerServices.CallerFilePath] string callerFile = "")
    {
        if (Environment.GetEnvironmentVariable("WRITE_DOCS_IMAGES") != "1")
        {
            return;
        }

        var directory = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(callerFile)!, "..", "..", "docs", "images"));
        System.IO.Directory.CreateDirectory(directory);
        System.IO.File.WriteAllText(System.IO.Path.Combine(directory, fileName), text);
    }
}
