using System.Collections.Generic;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Workflowy.Tests.Infrastructure;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// A generated run class derives from <see cref="WorkflowRun"/>; a task property must not take the name of a member it
/// inherits or that the generator itself declares (the generator renames it <c>NameTask</c>). The names the generator
/// avoids are a hand-kept list (<c>ReservedMembers</c> in src/Shared/GraphBuilder.cs): this test finds every such name
/// by reflection, so a member added to <see cref="WorkflowRun"/> later fails here until the list has it.
/// </summary>
public class ReservedNameTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void EveryInheritedOrGeneratedMemberName_IsReserved_SoATaskOfThatNameIsRenamed()
    {
        var names = MemberNames();
        Assert.Contains("Completion", names);
        Assert.Contains("Definition", names);
        Assert.Contains("ResumeNew", names);

        var (output, result) = Harness.Generate(WorkflowWithATaskNamedAfterEach(names));
        var generated = result.Results.Single().GeneratedSources.Single().SyntaxTree;
        var properties = generated.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Single(c => c.Identifier.Text == "NamesRun")
            .Members.OfType<PropertyDeclarationSyntax>()
            .Where(p => p.Type.ToString().StartsWith("global::Workflowy.TaskHandle", StringComparison.Ordinal))
            .Select(p => p.Identifier.Text)
            .ToList();

        Assert.Equal(names.Count, properties.Count);
        var notRenamed = names.Where((name, i) => properties[i] == name).ToList();
        Assert.True(notRenamed.Count == 0, "Add to ReservedMembers in src/Shared/GraphBuilder.cs: " + string.Join(", ", notRenamed.Select(n => '"' + n + '"')));

        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, Harness.Format(problems));
    }

    [Fact]
    public void ATaskNamedLikeAnInputField_IsRenamed()
    {
        var (output, result) = Harness.Generate("""
            using Workflowy;
            public partial class Fields
            {
                [Task("_input_text")] public string A(string text) => text;
            }
            """);

        Assert.Empty(Harness.CompilerDiagnostics(output));
        Assert.Contains("TaskHandle<string> _input_textTask { get; }", Harness.GeneratedText(result));
    }

    /// <summary>Public and protected members of <see cref="WorkflowRun"/> and its bases, and every member a generated run class declares besides its tasks.</summary>
    private static List<string> MemberNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var type = typeof(WorkflowRun); type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers(Declared))
            {
                if (IsPublicOrProtected(member) && IsNamed(member))
                {
                    names.Add(member.Name);
                }
            }
        }

        foreach (var run in new[] { typeof(DurableWorkflow.DurableWorkflowRun), typeof(DiamondWorkflow.DiamondWorkflowRun), typeof(ShapesWorkflow.ShapesWorkflowRun) })
        {
            foreach (var member in run.GetMembers(Declared))
            {
                var isTask = member is PropertyInfo p && typeof(TaskHandle).IsAssignableFrom(p.PropertyType);
                if (!isTask && IsNamed(member) && !member.Name.StartsWith("_input_", StringComparison.Ordinal))
                {
                    names.Add(member.Name);
                }
            }
        }

        return names.ToList();
    }

    /// <summary>A name C# code can declare: no constructors, accessors, backing fields or explicit implementations.</summary>
    private static bool IsNamed(MemberInfo member) =>
        member is not ConstructorInfo &&
        !(member is MethodBase { IsSpecialName: true }) &&
        !(member is FieldInfo { IsSpecialName: true }) &&
        SyntaxFacts.IsValidIdentifier(member.Name);

    private static bool IsPublicOrProtected(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily || add.IsFamilyOrAssembly),
        Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
        _ => false,
    };

    private static string WorkflowWithATaskNamedAfterEach(IReadOnlyList<string> names)
    {
        var source = new System.Text.StringBuilder("using Workflowy;\npublic partial class Names\n{\n");
        for (var i = 0; i < names.Count; i++)
        {
            source.Append("    [Task(\"").Append(names[i]).Append("\")] public int M").Append(i).Append("() => ").Append(i).Append(";\n");
        }

        return source.Append("}\n").ToString();
    }
}
