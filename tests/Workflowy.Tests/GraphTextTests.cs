using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// The Mermaid and DOT text of a graph is written in one place (src/Shared/Rendering/GraphText.cs), compiled into the
/// generator and linked into the runtime: the generated constants and <see cref="WorkflowRenderer"/> give the same text.
/// </summary>
public class GraphTextTests
{
    public static TheoryData<WorkflowGraph, string, string> Workflows() => new()
    {
        { DiamondWorkflow.DiamondWorkflowRun.Definition, DiamondWorkflow.DiamondWorkflowRun.Mermaid, DiamondWorkflow.DiamondWorkflowRun.Dot },
        { ShapesWorkflow.ShapesWorkflowRun.Definition, ShapesWorkflow.ShapesWorkflowRun.Mermaid, ShapesWorkflow.ShapesWorkflowRun.Dot },
        { ChainWorkflow.ChainWorkflowRun.Definition, ChainWorkflow.ChainWorkflowRun.Mermaid, ChainWorkflow.ChainWorkflowRun.Dot },
        { WideWorkflow.WideWorkflowRun.Definition, WideWorkflow.WideWorkflowRun.Mermaid, WideWorkflow.WideWorkflowRun.Dot },
        { ControlledWorkflow.ControlledWorkflowRun.Definition, ControlledWorkflow.ControlledWorkflowRun.Mermaid, ControlledWorkflow.ControlledWorkflowRun.Dot },
        { PolicyWorkflow.PolicyWorkflowRun.Definition, PolicyWorkflow.PolicyWorkflowRun.Mermaid, PolicyWorkflow.PolicyWorkflowRun.Dot },
        { FlakyWorkflow.FlakyWorkflowRun.Definition, FlakyWorkflow.FlakyWorkflowRun.Mermaid, FlakyWorkflow.FlakyWorkflowRun.Dot },
        { RepairableWorkflow.RepairableWorkflowRun.Definition, RepairableWorkflow.RepairableWorkflowRun.Mermaid, RepairableWorkflow.RepairableWorkflowRun.Dot },
        { RenderingWorkflow.RenderingWorkflowRun.Definition, RenderingWorkflow.RenderingWorkflowRun.Mermaid, RenderingWorkflow.RenderingWorkflowRun.Dot },
        { DurableWorkflow.DurableWorkflowRun.Definition, DurableWorkflow.DurableWorkflowRun.Mermaid, DurableWorkflow.DurableWorkflowRun.Dot },
        { LabelsWorkflow.LabelsWorkflowRun.Definition, LabelsWorkflow.LabelsWorkflowRun.Mermaid, LabelsWorkflow.LabelsWorkflowRun.Dot },
    };

    [Theory]
    [MemberData(nameof(Workflows))]
    public void GeneratedConstants_AreTheRuntimeRenderersText(WorkflowGraph graph, string mermaid, string dot)
    {
        Assert.Equal(mermaid, WorkflowRenderer.ToMermaid(graph));
        Assert.Equal(dot, WorkflowRenderer.ToDot(graph));
        Assert.Equal(mermaid, graph.Mermaid);
    }

    [Fact]
    public void GeneratedConstants_EscapeLabels()
    {
        Assert.Equal(
            "flowchart TD\n" +
            "    t0[\"say #quot;hi#quot;\"]\n" +
            "    t1[\"two lines \\ back\"]\n" +
            "    t2[\"a <&> 'c' #quot;\"]\n" +
            "    t3[\"Plain\"]\n" +
            "    t1 --> t2\n" +
            "    t0 --> t2\n" +
            "    t2 --> t3\n" +
            "    t0 --> t3\n",
            LabelsWorkflow.LabelsWorkflowRun.Mermaid);
        Assert.Equal(
            "digraph \"LabelsWorkflow\" {\n" +
            "    node [shape=box];\n" +
            "    t0 [label=\"say \\\"hi\\\"\"];\n" +
            "    t1 [label=\"two lines \\\\ back\"];\n" +
            "    t2 [label=\"a <&> 'c' #quot;\"];\n" +
            "    t3 [label=\"Plain\"];\n" +
            "    t1 -> t2;\n" +
            "    t0 -> t2;\n" +
            "    t2 -> t3;\n" +
            "    t0 -> t3;\n" +
            "}\n",
            LabelsWorkflow.LabelsWorkflowRun.Dot);
    }
}
