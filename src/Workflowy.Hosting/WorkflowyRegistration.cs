namespace Workflowy.Hosting;

/// <summary>Marks a service collection that Workflowy was added to, and remembers where its settings come from.</summary>
internal sealed class WorkflowyRegistration
{
    /// <summary>The configuration path of the settings, for messages: <c>Workflowy</c>, or the section given to <c>AddWorkflowy</c>.</summary>
    public string SectionPath { get; set; } = WorkflowyOptions.SectionName;
}
