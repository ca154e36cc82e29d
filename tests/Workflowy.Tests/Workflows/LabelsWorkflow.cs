namespace Workflowy.Tests.Workflows;

/// <summary>
/// Task names with characters the Mermaid and DOT writers escape (<c>"</c>, <c>\</c>) and markup characters they keep,
/// and dependency lists out of index order: for the test that the generator's constants and the runtime's renderer
/// write the same text. (No line breaks: the generator writes task names into doc comments unescaped, so a name with a
/// line break does not compile; StaticFormats_EscapeLabelsAsTheGeneratorDoes covers line breaks on the runtime side.)
/// </summary>
public sealed partial class LabelsWorkflow
{
    [Task("say \"hi\"")]
    public int Quoted() => 1;

    [Task("two lines \\ back")]
    public int TwoLines() => 2;

    [Task("a <&> 'c' #quot;"), DependsOn(nameof(TwoLines), "say \"hi\"")]
    public int Markup(int quoted, int twoLines) => quoted + twoLines;

    [Task, DependsOn("a <&> 'c' #quot;", nameof(Quoted))]
    public int Plain(int markup) => markup;
}
