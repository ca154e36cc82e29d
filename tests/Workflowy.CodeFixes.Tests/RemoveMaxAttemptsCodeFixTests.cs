using Verify = Workflowy.CodeFixes.Tests.Infrastructure.CodeFixVerifier<Workflowy.CodeFixes.RemoveMaxAttemptsCodeFixProvider>;

namespace Workflowy.CodeFixes.Tests;

public class RemoveMaxAttemptsCodeFixTests
{
    [Fact]
    public Task WFY005_KeepRetries() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task(Retries = 2, {|WFY005:MaxAttempts = 3|}, TimeoutSeconds = 5)] public int A() => 1;
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            [Task(Retries = 2, TimeoutSeconds = 5)] public int A() => 1;
        }
        """,
        RemoveMaxAttemptsCodeFixProvider.KeepRetries);

    [Fact]
    public Task WFY005_KeepMaxAttempts() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task(Retries = 2, {|WFY005:MaxAttempts = 3|})] public int A() => 1;
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            [Task(MaxAttempts = 3)] public int A() => 1;
        }
        """,
        RemoveMaxAttemptsCodeFixProvider.KeepMaxAttempts);
}
