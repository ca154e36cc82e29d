using System;
using System.Collections.Generic;

namespace Workflowy;

public static partial class WorkflowRenderer
{
    /// <summary>What is rendered: names and dependencies, and for a run its id and one snapshot of the states.</summary>
    private sealed class Model
    {
        private Model(string name, string? runId, string[] names, int[][] dependencies, TaskState[]? states, int[]? attempts)
        {
            Name = name;
            RunId = runId;
            Names = names;
            Dependencies = dependencies;
            States = states;
            Attempts = attempts;
        }

        public string Name { get; }

        public string? RunId { get; }

        public string[] Names { get; }

        public int[][] Dependencies { get; }

        public TaskState[]? States { get; }

        public int[]? Attempts { get; }

        public int Count => Names.Length;

        public static Model Of(WorkflowGraph graph)
        {
            var count = graph.Count;
            var names = new string[count];
            var dependencies = new int[count][];
            for (var i = 0; i < count; i++)
            {
                var node = graph.Tasks[i];
                names[i] = node.Name;
                dependencies[i] = node.DependenciesArray;
            }

            return new Model(graph.Name, null, names, dependencies, null, null);
        }

        public static Model Of(WorkflowGraph graph, string runId, IReadOnlyList<TaskState> states, IReadOnlyList<int>? attempts)
        {
            var plain = Of(graph);
            var stateArray = new TaskState[plain.Count];
            var attemptArray = new int[plain.Count];
            for (var i = 0; i < plain.Count; i++)
            {
                stateArray[i] = states[i];
                attemptArray[i] = attempts is null ? 0 : attempts[i];
            }

            return new Model(graph.Name, runId, plain.Names, plain.Dependencies, stateArray, attemptArray);
        }

        public static Model Of(WorkflowRun run)
        {
            // The snapshot: the task list once, then each task's state and attempts once, before anything else.
            var tasks = run.Tasks;
            var count = tasks.Count;
            var handles = new TaskHandle?[count];
            var states = new TaskState[count];
            var attempts = new int[count];
            for (var i = 0; i < count; i++)
            {
                var handle = tasks[i];
                handles[i] = handle;
                if (handle is not null)
                {
                    states[i] = handle.State;
                    attempts[i] = handle.Attempts;
                }
            }

            var graph = run.Graph;
            var names = new string[count];
            var dependencies = new int[count][];
            for (var i = 0; i < count; i++)
            {
                var handle = handles[i];
                names[i] = handle?.Name ?? (i < graph.Count ? graph.Tasks[i].Name : "task-" + Int(i));
                if (i < graph.Count)
                {
                    dependencies[i] = graph.Tasks[i].DependenciesArray;
                }
                else if (handle is { DependencyCount: > 0 })
                {
                    var list = new List<int>(handle.DependencyCount);
                    for (var k = 0; k < handle.DependencyCount; k++)
                    {
                        var dependency = handle.GetDependency(k);
                        if ((uint)dependency.Index < (uint)count && dependency.Index != i && ReferenceEquals(dependency.Run, run))
                        {
                            list.Add(dependency.Index);
                        }
                    }

                    dependencies[i] = list.ToArray();
                }
                else
                {
                    dependencies[i] = Array.Empty<int>();
                }
            }

            return new Model(graph.Name, run.RunId, names, dependencies, states, attempts);
        }
    }
}
