namespace Workflowy.Tests;

/// <summary>
/// <see cref="TaskOptions"/> refuses what <c>[Task]</c> refuses at compile time (WFY005): Retries together with
/// MaxAttempts, and values outside the Backend, Backoff and DependencyFailure enums.
/// </summary>
public class TaskOptionsValidationTests
{
    [Fact]
    public void RetriesAndMaxAttempts_Together_AreRefused_InEitherOrder()
    {
        var retriesFirst = Assert.ThrowsAny<ArgumentException>(() => new TaskOptions { Retries = 1, MaxAttempts = 2 });
        var maxAttemptsFirst = Assert.ThrowsAny<ArgumentException>(() => new TaskOptions { MaxAttempts = 2, Retries = 1 });

        Assert.Contains("Set Retries or MaxAttempts, not both", retriesFirst.Message);
        Assert.Contains("Set Retries or MaxAttempts, not both", maxAttemptsFirst.Message);
        Assert.Equal(nameof(TaskOptions.MaxAttempts), retriesFirst.ParamName);
        Assert.Equal(nameof(TaskOptions.Retries), maxAttemptsFirst.ParamName);
    }

    [Fact]
    public void RetriesAndMaxAttempts_Together_AreRefused_EvenWhenTheyAgree()
    {
        // As WFY005 on [Task]: the two say the same thing two ways, so only one may be given.
        Assert.ThrowsAny<ArgumentException>(() => new TaskOptions { Retries = 0, MaxAttempts = 1 });
    }

    [Fact]
    public void RetriesOrMaxAttempts_Alone_AreAccepted()
    {
        Assert.Equal(3, new TaskOptions { Retries = 2 }.MaxAttempts);
        Assert.Equal(2, new TaskOptions { Retries = 2 }.Retries);
        Assert.Equal(3, new TaskOptions { MaxAttempts = 3 }.MaxAttempts);
        Assert.Equal(1, new TaskOptions { Retries = 0 }.MaxAttempts);
        Assert.Equal(1, new TaskOptions().MaxAttempts);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    public void ABackendThatDoesNotFitAByte_IsRefused(int value)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new TaskOptions { Backend = (Backend)value });

        Assert.Equal(nameof(TaskOptions.Backend), error.ParamName);
        Assert.Contains("Backend.Async", error.Message);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    public void ABackendNoExecutorRuns_IsRefusedAtSubmit(int value)
    {
        // Undefined values are how a sibling package adds a backend (with an executor for it): refused only where
        // the runner has no executor for them.
        var options = new TaskOptions { Backend = (Backend)value };
        var run = new WorkflowRunner().CreateRun("undefined-backend");
        var error = Assert.Throws<ArgumentException>(() => run.Submit(options, () => 1));
        Assert.Contains("Backend.Async", error.Message);
        Assert.Contains("WorkflowRunner.Executors", error.Message);
        run.Complete();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(7)]
    public void UndefinedBackoff_IsRefused(int value)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new TaskOptions { Backoff = (Backoff)value });

        Assert.Equal(nameof(TaskOptions.Backoff), error.ParamName);
        Assert.Contains("Backoff.Exponential", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(9)]
    public void UndefinedDependencyFailure_IsRefused(int value)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new TaskOptions { OnDependencyFailure = (DependencyFailure)value });

        Assert.Equal(nameof(TaskOptions.OnDependencyFailure), error.ParamName);
        Assert.Contains("DependencyFailure.Skip", error.Message);
    }

    [Fact]
    public void EveryDefinedValue_IsAccepted()
    {
        foreach (var backend in Enum.GetValues<Backend>())
        {
            Assert.Equal(backend, new TaskOptions { Backend = backend }.Backend);
        }

        foreach (var backoff in Enum.GetValues<Backoff>())
        {
            Assert.Equal(backoff, new TaskOptions { Backoff = backoff }.Backoff);
        }

        foreach (var policy in Enum.GetValues<DependencyFailure>())
        {
            Assert.Equal(policy, new TaskOptions { OnDependencyFailure = policy }.OnDependencyFailure);
        }
    }

    [Fact]
    public void TheEnumChecks_KnowEveryMemberOfTheirEnums()
    {
        // The runtime checks without reflection (BackendInfo, OptionInfo); this keeps them in step with the enums.
        for (var value = -8; value < 64; value++)
        {
            Assert.Equal(Enum.IsDefined((Backend)value), BackendInfo.IsDefined((Backend)value));
            Assert.Equal(Enum.IsDefined((Backoff)value), OptionInfo.IsDefined((Backoff)value));
            Assert.Equal(Enum.IsDefined((DependencyFailure)value), OptionInfo.IsDefined((DependencyFailure)value));
        }

        Assert.All(Enum.GetNames<Backend>(), name => Assert.Contains("Backend." + name, BackendInfo.Names));
        Assert.All(Enum.GetNames<Backoff>(), name => Assert.Contains("Backoff." + name, OptionInfo.BackoffNames));
        Assert.All(Enum.GetNames<DependencyFailure>(), name => Assert.Contains("DependencyFailure." + name, OptionInfo.DependencyFailureNames));
    }

    [Fact]
    public async Task ValidOptions_StillSubmit()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun("options");
        var task = run.Submit(new TaskOptions { Backend = Backend.Serial, Backoff = Backoff.Linear, OnDependencyFailure = DependencyFailure.Skip, MaxAttempts = 2 }, static () => 7);
        run.Complete();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(7, task.Result);
        Assert.Equal(2, task.Options.MaxAttempts);
    }
}
