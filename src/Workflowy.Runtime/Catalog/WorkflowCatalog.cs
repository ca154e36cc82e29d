using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Threading;

namespace Workflowy;

/// <summary>
/// Every workflow of the loaded assemblies, found by name. The generator registers each valid workflow class whose
/// class is accessible in its assembly (not private or protected nested) from a module initializer, so an assembly's
/// workflows are listed once code of that assembly has run (for an application: from the start of <c>Main</c>).
/// No reflection: the registrations are generated code.
/// </summary>
public static class WorkflowCatalog
{
    private static readonly Lock Gate = new();
    private static ReadOnlyCollection<WorkflowDefinition> _all = ReadOnlyCollection<WorkflowDefinition>.Empty;

    /// <summary>Every registered workflow, ordered by <see cref="WorkflowDefinition.FullName"/> (ordinal); a snapshot.</summary>
    public static IReadOnlyList<WorkflowDefinition> All => Volatile.Read(ref _all);

    /// <summary>
    /// The workflow with this full name (<c>Shop.Checkout</c>, <c>Outer.Inner</c> for a nested class) or, failing
    /// that, this short name (<c>Checkout</c>); null when there is none.
    /// </summary>
    /// <param name="name">A full or short workflow name; compared ordinally (case-sensitive).</param>
    /// <exception cref="ArgumentException">The short name belongs to several workflows; the message lists their full names.</exception>
    public static WorkflowDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var all = Volatile.Read(ref _all);
        foreach (var definition in all)
        {
            if (string.Equals(definition.FullName, name, StringComparison.Ordinal))
            {
                return definition;
            }
        }

        WorkflowDefinition? found = null;
        List<string>? ambiguous = null;
        foreach (var definition in all)
        {
            if (!string.Equals(definition.Name, name, StringComparison.Ordinal))
            {
                continue;
            }

            if (found is null)
            {
                found = definition;
            }
            else
            {
                (ambiguous ??= [found.FullName]).Add(definition.FullName);
            }
        }

        if (ambiguous is not null)
        {
            throw new ArgumentException($"'{name}' is the name of {ambiguous.Count} workflows: {string.Join(", ", ambiguous)}. Find one by its full name.", nameof(name));
        }

        return found;
    }

    /// <summary>
    /// Adds a workflow; called by the generated module initializer of each workflow class. A second definition with the
    /// full name of a registered one (the same class loaded twice) is ignored: the first stays.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Register(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        lock (Gate)
        {
            var all = _all;
            var at = 0;
            while (at < all.Count && string.CompareOrdinal(all[at].FullName, definition.FullName) < 0)
            {
                at++;
            }

            if (at < all.Count && string.Equals(all[at].FullName, definition.FullName, StringComparison.Ordinal))
            {
                return;
            }

            var next = new WorkflowDefinition[all.Count + 1];
            all.CopyTo(next, 0);
            Array.Copy(next, at, next, at + 1, all.Count - at);
            next[at] = definition;
            Volatile.Write(ref _all, new ReadOnlyCollection<WorkflowDefinition>(next));
        }
    }
}
