using System.Collections.Generic;

namespace Workflowy.SourceGeneration;

// Backend.Process: a task body that runs in a child process crosses as JSON (inputs, dependency results, result) and
// is found there through the workflow catalogue, so the workflow needs a serializer context (WFY040; WFY019 then
// checks that each of those types is registered in it) and must be listed in the catalogue (WFY041).
internal static partial class GraphBuilder
{
    private static void CheckProcessTasks(WorkflowTypeModel type, EquatableArray<TaskModel> tasks, List<Problem> problems)
    {
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].Backend != WellKnownNames.BackendProcess)
            {
                continue;
            }

            if (type.SerializerContext is null)
            {
                problems.Add(new Problem(DiagnosticIds.ProcessWithoutSerializer, i, -1, Args(tasks[i].TaskName, type.Name)));
            }

            if (type.Visibility == Visibility.Private)
            {
                problems.Add(new Problem(DiagnosticIds.ProcessNotInCatalog, i, -1, Args(tasks[i].TaskName, type.Name)));
            }
        }
    }
}
