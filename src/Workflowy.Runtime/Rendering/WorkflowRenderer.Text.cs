namespace Workflowy;

public static partial class WorkflowRenderer
{
    // The Mermaid and DOT text is written by GraphText (src/Shared/Rendering), which also writes the generator's
    // XRun.Mermaid and XRun.Dot constants: a graph is the same text from either.

    private static string Mermaid(Model model) => GraphText.Mermaid(model.Names, model.Dependencies, Decorations(model));

    private static string Dot(Model model) => GraphText.Dot(model.Name, model.Names, model.Dependencies, Decorations(model));

    /// <summary>For a run: the label "{name} run {id}", and per task the class of its state and its state text.</summary>
    private static GraphDecorations? Decorations(Model model)
    {
        if (model.States is not { } states)
        {
            return null;
        }

        var classOf = new int[model.Count];
        var details = new string[model.Count];
        for (var i = 0; i < model.Count; i++)
        {
            classOf[i] = ClassIndex(states[i]);
            details[i] = StateText(model, i);
        }

        return new GraphDecorations(model.Name + " run " + model.RunId, StateClasses, classOf, details, TextColour);
    }
}
