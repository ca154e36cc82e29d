using Verify = Workflowy.CodeFixes.Tests.Infrastructure.CodeFixVerifier<Workflowy.CodeFixes.UseAsyncBackendCodeFixProvider>;

namespace Workflowy.CodeFixes.Tests;

public class UseAsyncBackendCodeFixTests
{
    [Fact]
    public Task WFY002_ThreadBecomesAsync() => Verify.VerifyAsync(
        """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task(Backend = Backend.Thread)]
            public async Task<int> {|WFY002:Download|}()
            {
                await Task.Yield();
                return 1;
            }
        }
        """,
        """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task(Backend = Backend.Async)]
            public async Task<int> Download()
            {
                await Task.Yield();
                return 1;
            }
        }
        """,
        UseAsyncBackendCodeFixProvider.EquivalenceKey);

    [Fact]
    public Task WFY002_QualifiedEnum_KeepsTheQualification() => Verify.VerifyAsync(
        """
        public partial class W
        {
            [Workflowy.Task("save", Backend = Workflowy.Backend.Thread)] public System.Threading.Tasks.Task {|WFY002:Save|}() => System.Threading.Tasks.Task.CompletedTask;
            [global::Workflowy.Task(Backend = global::Workflowy.Backend.Thread)] public System.Threading.Tasks.ValueTask {|WFY002:Flush|}() => default;
        }
        """,
        """
        public partial class W
        {
            [Workflowy.Task("save", Backend = Workflowy.Backend.Async)] public System.Threading.Tasks.Task Save() => System.Threading.Tasks.Task.CompletedTask;
            [global::Workflowy.Task(Backend = global::Workflowy.Backend.Async)] public System.Threading.Tasks.ValueTask Flush() => default;
        }
        """);

    [Fact]
    public Task WFY002_AliasAndUsingStatic_AreKept() => Verify.VerifyAsync(
        """
        using System.Threading.Tasks;
        using Workflowy;
        using B = Workflowy.Backend;
        using static Workflowy.Backend;

        public partial class W
        {
            [Task(Backend = B.Thread)] public Task {|WFY002:Save|}() => Task.CompletedTask;
            [Task(Backend = Thread)] public Task {|WFY002:Load|}() => Task.CompletedTask;
        }
        """,
        """
        using System.Threading.Tasks;
        using Workflowy;
        using B = Workflowy.Backend;
        using static Workflowy.Backend;

        public partial class W
        {
            [Task(Backend = B.Async)] public Task Save() => Task.CompletedTask;
            [Task(Backend = Async)] public Task Load() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task WFY002_CastValue_BecomesTheSimplifiedEnumMember() => Verify.VerifyAsync(
        """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task(Backend = (Backend)2)] public Task {|WFY002:Save|}() => Task.CompletedTask;
        }
        """,
        """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task(Backend = Backend.Async)] public Task Save() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task WFY002_TaskAttributeAmongOthers_OnlyItsBackendChanges() => Verify.VerifyAsync(
        """
        using System;
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task] public int Load() => 1;

            [Obsolete("Backend = Backend.Thread stays in this text")]
            [DependsOn(nameof(Load)), Task(Name = "store", Backend = Backend.Thread /* keep */)]
            public Task<int> {|WFY002:Store|}(int load) => Task.FromResult(load);
        }
        """,
        """
        using System;
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task] public int Load() => 1;

            [Obsolete("Backend = Backend.Thread stays in this text")]
            [DependsOn(nameof(Load)), Task(Name = "store", Backend = Backend.Async /* keep */)]
            public Task<int> Store(int load) => Task.FromResult(load);
        }
        """);

    [Fact]
    public Task WFY002_FixAll_FixesEveryAsyncTaskOnThread_AndLeavesSynchronousOnesAlone() => Verify.VerifyAsync(
        """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task(Backend = Backend.Thread)] public Task {|WFY002:Save|}() => Task.CompletedTask;
            [Task(Backend = Backend.Thread)] public ValueTask<int> {|WFY002:Count|}() => new ValueTask<int>(1);
            [Task(Backend = Backend.Thread)] public int Sync() => 1;
        }

        public partial class V
        {
            [Task(Backend = Backend.Thread)] public async Task {|WFY002:Wait|}() => await Task.Yield();
        }
        """,
        """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class W
        {
            [Task(Backend = Backend.Async)] public Task Save() => Task.CompletedTask;
            [Task(Backend = Backend.Async)] public ValueTask<int> Count() => new ValueTask<int>(1);
            [Task(Backend = Backend.Thread)] public int Sync() => 1;
        }

        public partial class V
        {
            [Task(Backend = Backend.Async)] public async Task Wait() => await Task.Yield();
        }
        """,
        UseAsyncBackendCodeFixProvider.EquivalenceKey);
}
